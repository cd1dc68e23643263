"""A yard's current risk, kept current on every submission so maps never scan submissions."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow
from app.db_types import JSONColumn


class YardRisk(SQLModel, table=True):
    __tablename__ = "yard_risk"

    yard_id: int = Field(primary_key=True, foreign_key="yard.id")
    # Copied from the yard so area figures group this table alone.
    micro_district_id: str | None = Field(
        default=None, foreign_key="micro_district.id", max_length=64, index=True
    )
    district_id: str = Field(foreign_key="district.id", max_length=64, index=True)
    basis: str = Field(max_length=24, description="inspector_audit, residents_median or none")
    risk_index: float | None = None
    band: str | None = Field(default=None, max_length=16)
    completeness: float | None = None
    section_risk: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONColumn, nullable=False)
    )
    residents: int = Field(default=0, description="Resident submissions in the window.")
    inspector_audits: int = Field(default=0, description="Inspector audits in the window.")
    last_audit_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_submission_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    residents_index: float | None = Field(default=None, description="Residents' median, scored.")
    inspector_index: float | None = Field(default=None, description="The latest audit's index.")
    disagreement: float | None = None
    disagrees: bool = Field(default=False)
    ops_centre: bool = Field(default=False, description="Cameras linked to the police centre.")
    panic_button: bool = Field(default=False)
    window_days: int
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
