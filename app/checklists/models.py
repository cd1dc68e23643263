"""The checklist versions known to the database."""

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow


class ChecklistVersion(SQLModel, table=True):
    __tablename__ = "checklist_version"

    version: str = Field(primary_key=True, max_length=16)
    published: date
    sha256: str = Field(max_length=64, description="Hash of the version file as first loaded.")
    # The file itself: a submission can be re-scored even if the file leaves the repository.
    source: str = Field(sa_column=Column(Text, nullable=False))
    loaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
