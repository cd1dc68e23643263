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
    basis: Literal["inspector_audit", "residents_median", "cooperative", "none"] = Field(
        description="inspector_audit: the latest inspector audit in the window, while it is "
        "younger than 90 days and fewer than 3 residents have answered since (after 90 days, "
        "until any resident has); residents_median: the residents' consensus (per item the "
        "median answer's risk, the mean of the two middle ones on an even count); cooperative: "
        "the housing cooperative's own consensus, when no audit or resident has answered."
    )
    window_days: int
    residents: int = Field(description="Resident submissions in the window.")
    inspector_audits: int = Field(description="Inspector audits in the window.")
    last_audit_at: datetime | None = Field(description="The newest inspector audit in the window.")
    cooperatives: int = Field(
        default=0, description="Housing cooperative submissions in the window (not residents)."
    )
    residents_index: float | None = Field(
        default=None, description="The residents' consensus index, whichever basis rules."
    )
    inspector_index: float | None = Field(default=None, description="The latest audit's index.")
    cooperative_index: float | None = Field(
        default=None, description="The cooperative's own consensus index."
    )
    disagreement: float | None = Field(
        default=None,
        description="|residents - inspector| in index points over the items both answered.",
    )
    risk_low: float | None = Field(
        default=None,
        description="Lower end of the 80% interval of the yard's index; null when the figure "
        "rests on fewer than two checks.",
    )
    risk_high: float | None = Field(
        default=None, description="Upper end of the 80% interval of the yard's index."
    )
    score: ScoreOut | None


class YardDetail(YardSummary):
    district_name: str
    current: CurrentRisk
    history: list[HistoryEntry]
    findings: list["FindingPublic"] = Field(
        default_factory=list,
        description="What is being done: the yard's confirmed findings (an inspector audit, the "
        "cooperative or at least two residents' checks say the item fails), newest activity "
        "first; verified ones for 90 days after their check.",
    )


class FindingBodyPublic(BaseModel):
    id: str = Field(description="The body's slug, e.g. almaly-housing.")
    name: str = Field(description="The body's name in the asked language.")
    kind: str = Field(
        description="akimat, akimat_housing, police, utility, ops_centre, cooperative or other."
    )


class FindingPublic(BaseModel):
    """A confirmed finding as everyone may see it: what fails, who owns it, how far it got.
    Never its fix note, photo, the body's reference, the assignee or any submission id."""

    item_id: str = Field(description="The checklist item that fails, e.g. lighting.at_night.")
    label: str = Field(description="The item's question in the asked language.")
    state: Literal["open", "sent", "in_progress", "fix_reported", "verified"] = Field(
        description="open: not yet with its body; sent: the body has it; in_progress: the "
        "body works on it; fix_reported: the body or cooperative says it is fixed, awaiting a "
        "check; verified: a later inspector audit (or residents' checks after the fix) found "
        "the item passing (shown for 90 days)."
    )
    body: FindingBodyPublic | None = Field(description="The body that owns it; null: none yet.")
    opened_on: date = Field(description="The Almaty date it was first found.")
    sent_on: date | None
    fix_reported_on: date | None
    verified_on: date | None
    verified_how: Literal["audit_after_fix", "audit_without_fix", "residents"] | None
    deadline_on: date | None = Field(description="The Almaty date the body has to fix it by.")
    overdue: bool = Field(description="The deadline has passed and no fix is reported.")


YardDetail.model_rebuild()
