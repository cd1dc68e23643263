"""The ``outcomes`` of each district in ``GET /api/v1/districts``, and of each micro-district
of one district in ``GET /api/v1/districts/{id}/areas``: what became of its findings this month
and last (``app.findings.outcomes``), documented for the OpenAPI schema. Aggregates only: no
finding, yard or submission ids."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlmodel import Session

from app.areas.trend import month_of, shift_month
from app.findings.models import FindingEvent
from app.findings.outcomes import Outcomes, Period, outcomes
from app.platform.db import table_of, utcnow

_EVENT = table_of(FindingEvent)


class VerifiedHow(BaseModel):
    audit_after_fix: int = Field(description="An inspector audit after a fix was reported.")
    audit_without_fix: int = Field(description="An inspector audit with no fix reported.")
    residents: int = Field(description="Residents' checks after a fix was reported.")


class MonthOutcomes(BaseModel):
    month: str = Field(description="YYYY-MM, an Almaty calendar month.")
    opened: int = Field(description="Confirmed findings first opened in the month.")
    fixed: int = Field(description="Findings with a fix reported in the month.")
    verified: int = Field(description="Verifications in the month (the sum of verified_how).")
    verified_how: VerifiedHow
    reopened: int = Field(description="Verified findings a failing answer reopened in the month.")
    median_days_to_verification: float | None = Field(
        description="Median days from confirmation to verification of the month's "
        "verifications; null when fewer than 3 (median_count says how many)."
    )
    median_count: int = Field(description="The verifications the median rests on.")
    active_at_end: int = Field(
        description="Confirmed findings the body still owed a fix at the month's end (this "
        "month: now)."
    )
    overdue_at_end: int = Field(description="Of active_at_end, those past their deadline.")
    overdue_share: float | None = Field(
        description="overdue_at_end / active_at_end, 0..1; null when none were active."
    )


class DistrictOutcomes(BaseModel):
    current: MonthOutcomes = Field(description="This month so far.")
    previous: MonthOutcomes = Field(description="The month before.")


class DistrictEntry(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    outcomes: DistrictOutcomes = Field(description="What became of the district's findings.")


class DistrictsAnswer(BaseModel):
    """Only ``outcomes`` is spelt out; the district's figures and flags sit beside it."""

    model_config = ConfigDict(extra="allow")
    districts: list[DistrictEntry]


class AreaEntry(BaseModel):
    id: str | None = Field(
        description="The micro-district's id; null for the findings of no micro-district."
    )
    name: str | None = Field(description="Its name in the request's language.")
    outcomes: DistrictOutcomes = Field(description="What became of the area's findings.")


class DistrictAreasAnswer(BaseModel):
    district_id: str
    areas: list[AreaEntry] = Field(
        description="Every micro-district of the district (zeros where nothing happened), by "
        "id; then, when there are any, the findings of no micro-district (id null)."
    )


def _month(month: str, figures: Outcomes) -> dict[str, Any]:
    return {"month": month, **figures.as_dict()}


def district_outcomes(session: Session, *, district_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per district id: ``{"current": ..., "previous": ...}`` (every district, zeros where
    nothing happened)."""
    now = utcnow()
    this = month_of(now)
    last = shift_month(this, -1)
    current = outcomes(session, period=Period.of_month(this, now=now), group="district")
    previous = outcomes(session, period=Period.of_month(last, now=now), group="district")
    return {
        d: {
            "current": _month(this, current.get(d, Outcomes())),
            "previous": _month(last, previous.get(d, Outcomes())),
        }
        for d in district_ids
    }


def area_outcomes(
    session: Session, *, district_id: str, names: dict[str, str]
) -> list[dict[str, Any]]:
    """``areas`` of ``DistrictAreasAnswer``: each area in ``names`` (id -> name, every
    micro-district of the district) with its outcomes this month and last."""
    now = utcnow()
    this = month_of(now)
    last = shift_month(this, -1)
    ids = [district_id]
    current = outcomes(
        session, period=Period.of_month(this, now=now), group="area", district_ids=ids
    )
    previous = outcomes(
        session, period=Period.of_month(last, now=now), group="area", district_ids=ids
    )
    listed: list[str | None] = [*sorted(names)]
    if None in current or None in previous:
        listed.append(None)
    return [
        {
            "id": area,
            "name": names.get(area) if area else None,
            "outcomes": {
                "current": _month(this, current.get(area, Outcomes())),
                "previous": _month(last, previous.get(area, Outcomes())),
            },
        }
        for area in listed
    ]


def findings_state(session: Session) -> int:
    """The newest finding event's id: every change of a finding writes one, so a cached
    answer with outcomes is stale once it moves (one look-up on the primary key)."""
    return int(session.connection().execute(select(func.max(_EVENT.c.id))).scalar() or 0)
