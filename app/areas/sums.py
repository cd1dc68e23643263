"""Per-area sums of the yard tables, one GROUP BY each, and ``KeptSums``: the sums one
process keeps between requests, re-reading only the areas whose yards changed."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import repeat
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select
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
    _view: SectionView | None = field(default=None, init=False, repr=False, compare=False)

    def section_view(self) -> SectionView:
        """The sections as the figures carry them, made once per sums: an area's sums
        outlive a write elsewhere (``KeptSums``), so its rounded sections need no new work."""
        if self._view is None:
            fail = {
                name: failing / answered for name, (answered, _, failing) in self.sections.items()
            }
            mean = {name: mean for name, (_, mean, _) in self.sections.items()}
            self._view = SectionView(fail, mean, section_shown(fail, mean))
        return self._view


@dataclass(frozen=True)
class SectionView:
    """An area's share of yards failing each section, their mean risk (read only: figures
    take copies) and both as ``AreaFigures.shown`` writes them."""

    fail_share: dict[str, float]
    mean_risk: dict[str, float]
    shown: tuple[Any, ...]


def section_shown(fail_share: dict[str, float], mean_risk: dict[str, float]) -> tuple[Any, ...]:
    """The sections' part of ``AreaFigures.shown``: names and values rounded as ``as_dict``."""
    return (
        tuple(fail_share),
        tuple(map(round, fail_share.values(), repeat(3))),
        tuple(mean_risk),
        tuple(map(round, mean_risk.values(), repeat(1))),
    )


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
    queries = _queries(area_column, tuple(sections))
    params: dict[str, Any] = {}
    if only is None:
        yards_query, query = queries.all_areas
    else:
        yards_query, query = queries.with_none if None in only else queries.only
        params["areas"] = [i for i in only if i is not None]
    for area_id, count, last in session.execute(yards_query, params).all():
        sums[area_id] = AreaSums(yards_known=count, last_submission_at=last)
    if since is not None:
        query = query.where(_YARD_RISK.c.last_submission_at >= since)
    for row in session.execute(query, params).all():
        area_id, count, risk_sum, risk_sum_sq, inspected, district, ops, panic, disagree = row[:9]
        one = sums.setdefault(area_id, AreaSums())
        one.audited, one.risk_sum = count, float(risk_sum)
        one.risk_sum_sq, one.inspected, one.district_id = (
            float(risk_sum_sq),
            int(inspected),
            district,
        )
        one.ops_centre, one.panic_button, one.disagreeing = int(ops), int(panic), int(disagree)
        for n, name in enumerate(queries.sections):
            answered, mean, failing = row[9 + 3 * n : 12 + 3 * n]
            if answered:
                one.sections[name] = (int(answered), float(mean), int(failing))
    return sums


@dataclass(frozen=True)
class _Queries:
    """``sum_areas``' two GROUP BYs (yards known, yard_risk figures) for every area, for
    the areas bound as ``areas``, and for those or no area."""

    sections: tuple[str, ...]
    all_areas: tuple[Any, Any]
    only: tuple[Any, Any]
    with_none: tuple[Any, Any]


@lru_cache(maxsize=32)
def _queries(area_column: str, sections: tuple[str, ...]) -> _Queries:
    """Built once: making the select's ~30 SQL expressions took more than SQLite's run of a
    changed area's GROUP BY (a read after a write re-reads one or two areas)."""
    known = _YARD.c[area_column]
    area = _YARD_RISK.c[area_column]
    yards_query = select(known, func.count(), func.max(_YARD.c.last_submission_at)).group_by(known)
    # The float column where there is one, the JSON value for a section that has none.
    section_values = [
        _YARD_RISK.c[section_column(name)]
        if name in SECTION_COLUMNS
        else _YARD_RISK.c.section_risk[name].as_float()
        for name in sections
    ]
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
    for value in section_values:
        columns += [func.count(value), func.avg(value), _flag_sum(value >= SECTION_FAIL_RISK)]
    query = select(*columns).where(_YARD_RISK.c.risk_index.is_not(None)).group_by(area)

    def filtered(with_none: bool) -> tuple[Any, Any]:
        return (
            yards_query.where(_in_areas(known, with_none=with_none)),
            query.where(_in_areas(area, with_none=with_none)),
        )

    return _Queries(sections, (yards_query, query), filtered(False), filtered(True))


def _in_areas(column: Any, *, with_none: bool) -> Any:
    condition = column.in_(bindparam("areas", expanding=True))
    return or_(condition, column.is_(None)) if with_none else condition


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


@lru_cache(maxsize=8)
def _changed_areas(area_column: str) -> Any:
    """The areas of the yard_risk rows stamped at or after ``since``. No DISTINCT: SQLite
    would then walk the area index over every row instead of the few rows the updated_at
    index finds."""
    return select(_YARD_RISK.c[area_column]).where(
        _YARD_RISK.c.updated_at >= bindparam("since", type_=_YARD_RISK.c.updated_at.type)
    )


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
                margin = 0.0 if session.get_bind().dialect.name == "sqlite" else CHANGE_MARGIN_S
                since = old[2] - timedelta(seconds=margin)
                changed = set(
                    session.execute(_changed_areas(self.area_column), {"since": since}).scalars()
                )
                fresh = sum_areas(
                    session, self.area_column, sections=self.sections, since=None, only=changed
                )
                sums = {k: v for k, v in self._sums.items() if k not in changed}
                sums.update(fresh)
                self._sums = sums
            self._state = state
            return self._sums
