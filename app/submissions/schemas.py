"""What a client sends with a filled checklist, and what it gets back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.checklists.schemas import PartyPublic
from app.db import MAX_ROW_ID

ItemId = Annotated[str, StringConstraints(min_length=1, max_length=80)]
OptionValue = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="WGS84 latitude")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="WGS84 longitude")
    accuracy_m: float | None = Field(
        default=None,
        ge=0,
        le=100_000,
        allow_inf_nan=False,
        description="The device's stated accuracy in metres.",
    )


class SubmissionCreate(BaseModel):
    """A filled checklist. ``id`` is made by the client so a retry never makes a duplicate."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    checklist_version: str = Field(max_length=16)
    location: LocationIn | None = None
    yard_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    address: str | None = Field(default=None, max_length=300)
    comment: str | None = Field(default=None, max_length=2000)
    answers: dict[ItemId, OptionValue] = Field(max_length=200)
    item_comments: dict[ItemId, Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=dict, max_length=200, description="Optional free comment per item."
    )
    client_created_at: AwareDatetime | None = Field(
        default=None, description="When the resident finished the checklist on the device."
    )

    @model_validator(mode="after")
    def _where(self) -> SubmissionCreate:
        if self.location is None and self.yard_id is None:
            raise ValueError("give the yard's location or a yard_id")
        return self


class SectionResult(BaseModel):
    id: str
    title: str
    risk_index: float | None
    completeness: float
    answered: int
    items: int


class FactorResult(BaseModel):
    item_id: str
    section: str
    question: str
    answer: str
    risk: float
    weight: float
    critical: bool
    points: float = Field(description="Index points this answer adds.")
    index_if_fixed: float = Field(description="The index if only this were fixed.")
    remedy: str
    responsible: list[PartyPublic]


class FixStepResult(BaseModel):
    item_id: str
    index_after: float
    band_after: str


class FixPlan(BaseModel):
    index_now: float | None
    steps: list[FixStepResult] = Field(description="Cumulative: fix the first, then the next...")


class AnswerEcho(BaseModel):
    item_id: str
    value: str
    label: str


class ScoreOut(BaseModel):
    checklist_version: str
    scoring_version: str
    risk_index: float | None
    band: str | None
    completeness: float
    sections: list[SectionResult]
    top_factors: list[FactorResult]
    fix_plan: FixPlan
    critical_failed: list[str]
    perception: list[AnswerEcho] = Field(
        description="Unscored answers (how safe people feel), never part of the index."
    )


class SubmissionResult(ScoreOut):
    id: uuid.UUID
    yard_id: int
    micro_district_id: str | None
    district_id: str
    role: str
    received_at: datetime
