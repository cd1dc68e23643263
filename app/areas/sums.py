"""Per-area sums of the yard tables, one GROUP BY each, and ``KeptSums``: the sums one
process keeps between requests, re-reading only the areas whose yards changed."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from app.platform.db import table_of
from app.yards.models import Yard
from app.yards.risk_models import SECTION_COLUMNS, YardRisk, section_column

# Section risk at or above this counts the yard as failing the section ("badly lit").
SECTION_FAIL_RISK = 50.0

_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)


def _flag_sum(condition: Any) -> Any:
    # sum(boolean) is refused by PostgreSQL; a CASE works on both backends.
    return func.sum(case((condition, 1), else_=0))


@dataclass
class AreaSums:
    """One area's figures as summed from the yard tables (before city-wide figures)."""

    yards_known: int = 0
    last_submission_at: datetime | None = None
    audited: int = 0
    inspected: int = 0  # of the audited yards, those with an inspector audit
    risk_sum: float = 0.0
    risk_sum_sq: float = 0.0
    district_id: str | None = None  # the district the area lies in (its prior group)
    ops_centre: int = 0
    panic_button: int = 0
    disagreeing: int = 0
    # Per section: yards that answered it, their mean risk, how many fail it.
    sections: dict[str, tuple[int, float, int]] = field(default_factory=dict)


def sum_areas(
    session: Session,
    area_column: str,
    *,
    sections: Sequence[str],
    since: datetime | None,
    only: Collection[str | None] | None = None,
) -> dict[str | None, AreaSums]:
    """Per area: yards known (yard table) and audited figures (yard_risk), each one GROUP BY
    (``only``: just these areas); section figures from yard_risk's section columns in SQL,
    so no row reaches Python."""
    sums: dict[str | None, AreaSums] = {}
    known = _YARD.c[area_column]
    area = _YARD_RISK.c[area_column]
    yards_query = select(known, func.count(), func.max(_YARD.c.last_submission_at)).group_by(known)
    if only is not None:
        yards_query = yards_query.where(_in_areas(known, only))
    for area_id, count, last in session.execute(yards_query).all():
        sums[area_id] = AreaSums(yards_known=count, last_submission_at=last)
    # The float column where there is one, the JSON value for a section that has none.
    section_values = {
        name: _YARD_RISK.c[section_column(name)]
        if name in SECTION_COLUMNS
        else _YARD_RISK.c.section_risk[name].as_float()
        for name in sections
    }
    columns: list[Any] = [
        area,
        func.count(),
        func.sum(_YARD_RISK.c.risk_index),
        func.sum(_YARD_RISK.c.risk_index * _YARD_RISK.c.risk_index),
        _flag_sum(_YARD_RISK.c.inspector_audits > 0),
        func.max(_YARD_RISK.c.district_id),
        _flag_sum(_YARD_RISK.c.ops_centre),
        _flag_sum(_YARD_RISK.c.panic_button),
        _flag_sum(_YARD_RISK.c.disagrees),
    ]
    for value in section_values.values():
        columns += [func.count(value), func.avg(value), _flag_sum(value >= SECTION_FAIL_RISK)]
    query = select(*columns).where(_YARD_RISK.c.risk_index.is_not(None)).group_by(area)
    if since is not None:
        query = query.where(_YARD_RISK.c.last_submission_at >= since)
    if only is not None:
        query = query.where(_in_areas(area, only))
    for row in session.execute(query).all():
        area_id, count, risk_sum, risk_sum_sq, inspected, district, ops, panic, disagree = row[:9]
        one = sums.setdefault(area_id, AreaSums())
        one.audited, one.risk_sum = count, float(risk_sum)
        one.risk_sum_sq, one.inspected, one.district_id = (
            float(risk_sum_sq),
            int(inspected),
            district,
        )
        one.ops_centre, one.panic_button, one.disagreeing = int(ops), int(panic), int(disagree)
        for n, name in enumerate(section_values):
            answered, mean, failing = row[9 + 3 * n : 12 + 3 * n]
            if answered:
                one.sections[name] = (int(answered), float(mean), int(failing))
    return sums


def _in_areas(column: Any, only: Collection[str | None]) -> Any:
    ids = [i for i in only if i is not None]
    condition = column.in_(ids)
    return or_(condition, column.is_(None)) if None in only else condition


# The yard tables' state: a yard added or removed, a yard_risk row added, removed or
# rewritten (every write stamps updated_at, which is indexed).
_STATE = select(
    select(func.count()).select_from(_YARD).scalar_subquery().label("yards"),
    select(func.count()).select_from(_YARD_RISK).scalar_subquery().label("rows"),
    select(func.max(_YARD_RISK.c.updated_at)).scalar_subquery().label("updated"),
)


# Yards, yard_risk rows, the newest updated_at.
TableState = tuple[int, int, datetime | None]


def table_state(session: Session) -> TableState:
    yards, rows, updated = session.execute(_STATE).one()
    return int(yards), int(rows), updated


# On PostgreSQL, rows stamped this long before the newest one seen are read again too: a
# transaction may commit a moment after another that stamped its row later. SQLite runs one
# writer at a time, so rows are stamped in commit order.
CHANGE_MARGIN_S = 2.0


class KeptSums:
    """One area level's sums (all time, no ``months``), kept in memory between requests
    and brought up to date by re-reading only the areas whose yards changed: a bounded
    recompute, so a read after a write costs a few areas' GROUP BY, not 20,000 rows.

    Changed areas are those with a ``yard_risk`` row stamped since the last read (each
    submission rewrites its yard's row, a new yard included). Anything else (rows or yards
    removed, a yard added without a submission, ``max_age_s`` passed) re-reads everything.
    """

    def __init__(
        self, area_column: str, sections: Sequence[str], *, max_age_s: float = 300.0
    ) -> None:
        self.area_column = area_column
        self.sections = tuple(sections)
        self.max_age_s = max_age_s
        self._sums: dict[str | None, AreaSums] = {}
        self._state: tuple[int, int, datetime | None] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def current(
        self, session: Session, state: TableState | None = None
    ) -> dict[str | None, AreaSums]:
        state = state or table_state(session)
        with self._lock:
            old = self._state
            if old is not None and state == old:
                return self._sums
            if (
                old is None
                or old[2] is None
                or state[2] is None
                or state[0] - old[0] < 0
                or state[1] - old[1] < 0
                or state[0] - old[0] > state[1] - old[1]
                or time.monotonic() - self._read_at > self.max_age_s
            ):
                self._sums = sum_areas(
                    session, self.area_column, sections=self.sections, since=None
                )
                self._read_at = time.monotonic()
            else:
                column = _YARD_RISK.c[self.area_column]
                margin = 0.0 if session.get_bind().dialect.name == "sqlite" else CHANGE_MARGIN_S
                since = old[2] - timedelta(seconds=margin)
                # No DISTINCT: SQLite would then walk the area index over every row
                # instead of the few rows the updated_at index finds.
                changed = set(
                    session.execute(
                        select(column).where(_YARD_RISK.c.updated_at >= since)
                    ).scalars()
                )
                fresh = sum_areas(
                    session, self.area_column, sections=self.sections, since=None, only=changed
                )
                sums = {k: v for k, v in self._sums.items() if k not in changed}
                sums.update(fresh)
                self._sums = sums
            self._state = state
            return self._sums
