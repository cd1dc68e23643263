"""City districts (the 8 administrative ones) and micro-districts (any imported polygons)."""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow


class District(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64, description="Slug, e.g. 'almaly'.")
    name_ru: str = Field(max_length=200)
    name_kk: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    population: int | None = Field(default=None, description="Residents (official statistics).")
    population_as_of: str | None = Field(default=None, max_length=32)
    area_km2: float | None = None
    geometry: str = Field(sa_column=Column(Text, nullable=False), description="GeoJSON geometry.")
    source: str = Field(max_length=500, description="Where the boundary comes from (attribution).")
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def name(self, lang: str) -> str:
        return {"kk": self.name_kk, "en": self.name_en}.get(lang, self.name_ru)


class MicroDistrict(SQLModel, table=True):
    __tablename__ = "micro_district"

    id: str = Field(
        primary_key=True,
        max_length=64,
        description="Id from the imported file; '<id>~<district id>' for a piece of a polygon "
        "across district borders (app/geo/nesting.py).",
    )
    kind: str = Field(max_length=32, description="h3, grid, precinct, quarter ...")
    # The human name per language (app/districts/naming.py ``area_name`` reads them): place
    # names as mapped in OpenStreetMap (Russian), generic words and the district localised.
    name: str | None = Field(default=None, max_length=300, description="Russian name.")
    name_kk: str | None = Field(default=None, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    district_id: str | None = Field(default=None, foreign_key="district.id", index=True)
    area_km2: float | None = None
    geometry: str = Field(sa_column=Column(Text, nullable=False), description="GeoJSON geometry.")
    source: str = Field(max_length=500)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
