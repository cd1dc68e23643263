"""A stored validation run: what ``safeyard validate`` found, with the data it rests on."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow
from app.platform.db_types import JSONColumn


class ValidationRun(SQLModel, table=True):
    """One run; the evidence panel shows the latest. ``result`` is the report's JSON."""

    __tablename__ = "validation_run"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    synthetic: bool = Field(default=False, description="Any offence in it is synthetic.")
    method_version: str = Field(max_length=20, description="The method's version (docs).")
    result: dict[str, Any] = Field(sa_column=Column(JSONColumn, nullable=False))
