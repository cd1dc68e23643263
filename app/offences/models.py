"""Registered offences and the imports that brought them.

An offence is a point from the legal statistics committee's public crime map (KPSSU,
``gis.kgp.kz`` layer ``KPSSU/crime``) or a synthetic one from the demo. Each row keeps the
import it came from, so every figure built on offences can name its source and date range.
"""

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow


class OffenceImport(SQLModel, table=True):
    """One run of ``safeyard import-offences`` (or the demo's synthetic offences)."""

    __tablename__ = "offence_import"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=300, description="e.g. 'KPSSU crime map (gis.kgp.kz)'.")
    file_name: str = Field(max_length=300, description="The file's name, no directory.")
    file_format: str = Field(max_length=16, description="esri-json, geojson or csv.")
    file_sha256: str = Field(max_length=64, description="The file's digest: the same file twice.")
    synthetic: bool = Field(default=False, description="Made up by the demo, not registered.")
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    date_from: date | None = Field(default=None, description="The earliest offence in the file.")
    date_to: date | None = Field(default=None, description="The latest offence in the file.")
    rows_read: int = 0
    rows_new: int = 0
    rows_known: int = Field(default=0, description="Already stored by an earlier import.")
    rows_outside: int = Field(default=0, description="Outside every district: not stored.")


class Offence(SQLModel, table=True):
    """One registered offence (a criminal offence on the committee's map)."""

    __tablename__ = "offence"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_offence_source_key"),
        # The validation's and the rates' question: offences of a district in a date range.
        Index("ix_offence_district_date", "district_id", "occurred_on"),
        Index("ix_offence_area_date", "micro_district_id", "occurred_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The record's identity across imports: the source's own id where it has one, else a
    # digest of the record's fields and its ordinal among identical records in the file.
    source_key: str = Field(max_length=120)
    import_id: int = Field(foreign_key="offence_import.id", index=True)
    occurred_on: date = Field(description="dat_sover: the date of the offence (Almaty).")
    article: str = Field(max_length=40, description="stat: the Criminal Code article, e.g. '188'.")
    crime_code: str | None = Field(default=None, max_length=40)
    severity: int | None = Field(
        default=None, description="hard_code: 1 minor, 2 medium, 3 grave, 4 especially grave."
    )
    time_period: str | None = Field(default=None, max_length=40)
    weekday: str | None = Field(default=None, max_length=20)
    discontinued: bool = Field(default=False, description="The case was discontinued.")
    lat: float
    lon: float
    district_id: str | None = Field(default=None, foreign_key="district.id")
    micro_district_id: str | None = Field(default=None, max_length=64)
    synthetic: bool = Field(default=False)
