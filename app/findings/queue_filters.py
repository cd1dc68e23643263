"""What the work queue is filtered and sorted by, and the SQL pieces its queries share: the
yards of the list from their summary rows (``yard_findings``), or, when a filter chooses
findings (a state, a body), the findings of the list and the counts of each group of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func
from sqlalchemy.sql import ColumnElement

from app.accounts.scope import Scope
from app.districts.models import District, MicroDistrict
from app.findings.models import (
    ACTIVE_STATES,
    OPEN_STATES,
    Finding,
    FindingState,
    YardFindings,
)
from app.platform.db import table_of

F = table_of(Finding)
S = table_of(YardFindings)
AREA = table_of(MicroDistrict)
DISTRICT = table_of(District)
ACTIVE = [s.value for s in ACTIVE_STATES]
OPEN = [s.value for s in OPEN_STATES]


class QueueSort(StrEnum):
    priority = "priority"  # overdue, then waiting for a check, then risk
    risk = "risk"  # the yard's risk index, highest first
    deadline = "deadline"  # the nearest deadline of an active finding first
    place = "place"  # district, area name, yard


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows. Finding filters (``state``, ``body_id``, ``assigned_to``) choose
    the findings counted; yard filters (``overdue``, ``awaiting``, ``reaudit``,
    ``never_audited``) keep the yards that have them."""

    district_id: str | None = None
    micro_district_id: str | None = None
    state: FindingState | None = None  # None: every state still being worked on
    body_id: str | None = None
    overdue: bool = False
    awaiting: bool = False  # a fix reported, waiting for a check
    reaudit: bool = False
    never_audited: bool = False  # no inspector audit in the window
    assigned_to: int | None = None  # a user id ("assigned to me")
    sort: QueueSort = QueueSort.priority
    page: int = 1

    @property
    def chooses_findings(self) -> bool:
        """Whether the list's yards depend on which of their findings are chosen (a state or
        a body): then the finding table is aggregated; otherwise the summary rows serve."""
        return self.state is not None or bool(self.body_id)


def summary_conditions(
    scope: Scope, filters: QueueFilters, *, with_area: bool = True
) -> list[ColumnElement[bool]]:
    """The summary rows of the list: in scope, district, area (unless ``with_area`` is False)
    and assignee. A yard whose findings went to two inspectors counts as assigned to one of
    them (``yard_findings.assigned_user_id`` is the largest id)."""
    conditions: list[ColumnElement[bool]] = [
        scope.clause(district_column=S.c.district_id, micro_district_column=S.c.micro_district_id)
    ]
    if filters.district_id:
        conditions.append(S.c.district_id == filters.district_id)
    if with_area and filters.micro_district_id:
        conditions.append(S.c.micro_district_id == filters.micro_district_id)
    if filters.assigned_to is not None:
        conditions.append(S.c.assigned_user_id == filters.assigned_to)
    return conditions


def finding_conditions(
    scope: Scope, filters: QueueFilters, *, with_area: bool = True
) -> list[ColumnElement[bool]]:
    """The findings of the list: in scope, district and area (unless ``with_area`` is False),
    and chosen (``chosen_conditions``)."""
    conditions: list[ColumnElement[bool]] = [
        scope.clause(district_column=F.c.district_id, micro_district_column=F.c.micro_district_id)
    ]
    if filters.district_id:
        conditions.append(F.c.district_id == filters.district_id)
    if with_area and filters.micro_district_id:
        conditions.append(F.c.micro_district_id == filters.micro_district_id)
    return conditions + chosen_conditions(filters)


def chosen_conditions(filters: QueueFilters) -> list[ColumnElement[bool]]:
    """The findings a yard of the list shows: in the chosen state (default: still being
    worked on), of the chosen body and assignee (their place is the yard's)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.state is not None:
        conditions.append(F.c.state == filters.state.value)
    else:
        conditions.append(F.c.state.in_(OPEN))
    if filters.body_id:
        conditions.append(F.c.body_id == filters.body_id)
    if filters.assigned_to is not None:
        conditions.append(F.c.assigned_user_id == filters.assigned_to)
    return conditions


def counts(now: datetime) -> dict[str, Any]:
    """Per group of findings: those the body still owes a fix for, the overdue among them
    (deadline before ``now``), the fixes reported and waiting for a check."""
    active = F.c.state.in_(ACTIVE)
    overdue = and_(active, F.c.deadline_at.is_not(None), F.c.deadline_at < now)
    return {
        "open_count": func.sum(case((active, 1), else_=0)),
        "overdue_count": func.sum(case((overdue, 1), else_=0)),
        "awaiting_count": func.sum(
            case((F.c.state == FindingState.fix_reported.value, 1), else_=0)
        ),
    }


def area_name_column(lang: str) -> Any:
    return {"kk": AREA.c.name_kk, "en": AREA.c.name_en}.get(lang, AREA.c.name)


def district_name_column(lang: str) -> Any:
    return {"kk": DISTRICT.c.name_kk, "en": DISTRICT.c.name_en}.get(lang, DISTRICT.c.name_ru)
