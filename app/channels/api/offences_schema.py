"""The ``offences`` of each district in ``GET /api/v1/districts``: registered offences over the
last 12 full months the imported data covers, per 10,000 and per 100,000 residents
(``app.offences.rates``), with the source, the window and the synthetic flag, documented for
the OpenAPI schema. Aggregates only."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session

from app.channels.api import outcomes_schema
from app.offences import queries
from app.offences import rates as rates_service


class OffenceWindow(BaseModel):
    first_day: str = Field(description="YYYY-MM-DD, the window's first day (a month's 1st).")
    last_day: str = Field(description="YYYY-MM-DD, its last day (a month's last day).")
    months: int = Field(description="Whole calendar months in the window (12).")


class DistrictOffences(BaseModel):
    count: int = Field(description="Registered offences in the district in the window.")
    per_10k: float | None = Field(
        description="Per 10,000 residents (the district's official population); null without "
        "a population."
    )
    per_100k: float | None = Field(description="Per 100,000 residents.")
    population: int | None = Field(description="The residents the rates divide by.")
    population_as_of: str | None = Field(description="The population's date, e.g. 2023-01-01.")
    window: OffenceWindow = Field(
        description="The last 12 full months the imported offences cover (counted back from "
        "the latest offence, not from today)."
    )
    source: list[str] = Field(description="Where the offences come from (each import's source).")
    synthetic: bool = Field(
        description="True when any stored offence was made up by the demo: not registered."
    )
    partial: bool = Field(
        description="The data does not cover the whole window: the counts are too low."
    )


class DistrictEntry(outcomes_schema.DistrictEntry):
    offences: DistrictOffences | None = Field(
        description="Registered offences per residents; null when no offence data is "
        "imported (safeyard import-offences)."
    )


class DistrictsAnswer(outcomes_schema.DistrictsAnswer):
    """Only ``outcomes`` and ``offences`` are spelt out; the district's figures and flags sit
    beside them."""

    districts: list[DistrictEntry]  # type: ignore[assignment]


def district_offences(session: Session) -> dict[str, dict[str, Any] | None]:
    """Per district id, ``DistrictOffences`` as a dict; an empty dict when nothing is
    imported (every district's ``offences`` is then null)."""
    found = rates_service.offence_rates(session)
    if found is None:
        return {}
    window = {
        "first_day": found.start.isoformat(),
        "last_day": found.last_day.isoformat(),
        "months": rates_service.DEFAULT_MONTHS,
    }
    return {
        d.district_id: {
            "count": d.offences,
            "per_10k": round(d.per_10k, 2) if d.per_10k is not None else None,
            "per_100k": round(d.per_100k, 1) if d.per_100k is not None else None,
            "population": d.population,
            "population_as_of": d.population_as_of,
            "window": window,
            "source": list(found.sources),
            "synthetic": found.synthetic,
            "partial": found.partial,
        }
        for d in found.districts.values()
        if d.district_id is not None
    }


def offences_state(session: Session) -> str:
    """What the stored offences are (count, latest date, last import): part of a cached
    answer's key, so a new import is seen at once."""
    covered = queries.coverage(session)
    last = covered.last_import_at.isoformat() if covered.last_import_at else ""
    return f"{covered.total}:{covered.date_to}:{last}"
