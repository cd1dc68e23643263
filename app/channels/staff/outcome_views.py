"""Outcomes as figures on the staff pages: the dashboard's block (this month against the
last, over the inspector's districts or the city) and the district month's tables
(``app.findings.outcome_report``). Inspectors and admins only, as the pages that show them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.accounts.scope import Scope
from app.areas.month_cache import MonthCache
from app.areas.trend import month_of, shift_month
from app.findings.outcomes import Outcomes, Period, total
from app.platform.db import utcnow


@dataclass(frozen=True)
class OutcomeBlock:
    this: Outcomes
    last: Outcomes
    this_month: str
    last_month: str
    city: bool  # the city's figures (an admin, a city-wide inspector)


def dashboard(
    session: Session,
    *,
    scope: Scope,
    cache: MonthCache | None = None,
    now: datetime | None = None,
) -> OutcomeBlock | None:
    """The findings' outcomes of the inspector's districts (the city for the city-wide) this
    month and last; None for an account linked to no district (micro-districts alone).

    Last month's figures are kept in ``cache`` for its ``running_ttl_s``: the state of every
    finding at the month's end is rebuilt from the history (~0.35 s city-wide at 1M
    submissions) and hardly moves once the month is over; this month's are read fresh."""
    if not scope.city_wide and not scope.district_ids:
        return None
    now = now or utcnow()
    this_month = month_of(now)
    last_month = shift_month(this_month, -1)
    ids = None if scope.city_wide else scope.district_ids
    return OutcomeBlock(
        this=total(session, period=Period.of_month(this_month, now=now), district_ids=ids),
        last=_kept(
            cache,
            ("dashboard-outcomes", last_month, None if ids is None else tuple(sorted(ids))),
            lambda: total(session, period=Period.of_month(last_month, now=now), district_ids=ids),
        ),
        this_month=this_month,
        last_month=last_month,
        city=scope.city_wide,
    )


def _kept(
    cache: MonthCache | None, key: tuple[Any, ...], compute: Callable[[], Outcomes]
) -> Outcomes:
    return compute() if cache is None else cache.running(key, compute)
