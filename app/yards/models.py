"""Yards: the courtyards that are audited."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow


class Yard(SQLModel, table=True):
    # Nearby look-ups scan a small lat/lon box.
    __table_args__ = (Index("ix_yard_lat_lon", "lat", "lon"),)

    id: int | None = Field(default=None, primary_key=True)
    lat: float
    lon: float
    # Typed by the first sender, who may be anonymous: shown to staff only, never publicly.
    address: str | None = Field(default=None, max_length=300)
    # Set by an admin or an in-scope inspector; public surfaces name the yard by it.
    public_name: str | None = Field(default=None, max_length=120)
    micro_district_id: str | None = Field(default=None, foreign_key="micro_district.id", index=True)
    district_id: str = Field(foreign_key="district.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Kept current by each submission, so lists and maps never scan submissions.
    submission_count: int = Field(default=0)
    last_submission_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    synthetic: bool = Field(default=False, description="Generated demo data, not a real audit.")
