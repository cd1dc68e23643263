"""Yards as the API shows them."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.submissions.schemas import ScoreOut


class YardSummary(BaseModel):
    id: int
    lat: float
    lon: float
    address: str | None
    district_id: str
    micro_district_id: str | None
    submission_count: int
    last_submission_at: datetime | None
    synthetic: bool


class NearbyYardOut(YardSummary):
    distance_m: float


class HistoryEntry(BaseModel):
    id: uuid.UUID
    received_at: datetime
    role: str
    checklist_version: str
    risk_index: float | None
    band: str | None
    completeness: float


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
