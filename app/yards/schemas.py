"""Yards as the API shows them."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.checklists.explain import ScoreOut


class YardSummary(BaseModel):
    id: int
    name: str = Field(
        description="The yard's public name: the one staff gave it, else its number, district "
        "and micro-district. Never an address a sender typed."
    )
    lat: float
    lon: float
    district_id: str
    micro_district_id: str | None
    submission_count: int
    last_checked_on: date | None = Field(
        description="The Almaty date of the newest check (a day, not a time: see history)."
    )
    synthetic: bool
    near: str | None = Field(
        default=None,
        description="Where to find the yard: the nearest named street (or stop) within 500 m "
        "and the rounded distance, e.g. 'yard near ул. Толе би, ~40 m' (OpenStreetMap names, "
        "Russian as mapped); null further away.",
    )
    map_links: dict[str, str] = Field(
        default_factory=dict,
        description="Links that open the yard's point in 2GIS ('2gis') and OpenStreetMap "
        "('openstreetmap').",
    )


class NearbyYardOut(YardSummary):
    distance_m: float


class HistoryEntry(BaseModel):
    """One check of the yard, without its id (the id is its sender's key to the result) and
    dated to the day, so neighbours cannot tell their checks apart by the minute."""

    received_on: date = Field(description="The Almaty date the check arrived.")
    role: str = Field(description="resident, cooperative or inspector")
    risk_index: float | None
    band: str | None


class CurrentRisk(BaseModel):
    basis: Literal["inspector_audit", "residents_median", "none"] = Field(
        description="inspector_audit: the latest inspector audit in the window; "
        "residents_median: the per-item median of residents' answers in the window."
    )
    window_days: int
    residents: int = Field(description="Resident submissions in the window.")
    inspector_audits: int = Field(description="Inspector audits in the window.")
    last_audit_at: datetime | None = Field(description="The newest inspector audit in the window.")
    score: ScoreOut | None


class YardDetail(YardSummary):
    district_name: str
    current: CurrentRisk
    history: list[HistoryEntry]
