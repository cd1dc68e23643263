"""Finding a street, micro-district or stop by name, served by SafeYard (no outside geocoder).

Public: anyone may search, signed in or not. The answer holds only OpenStreetMap names and
points (ODbL, "© OpenStreetMap contributors"), nothing about yards or people.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from app.channels.web import place_search
from app.platform.db import SessionDep
from app.platform.i18n import LangDep

router = APIRouter(prefix="/api/v1/places", tags=["places"])


class PlaceOut(BaseModel):
    name: str = Field(
        description="The name as mapped in OpenStreetMap, not translated (see name_lang)."
    )
    name_lang: Literal["ru", "kk"] = Field(
        description="The language of `name`: mostly Russian; some streets are mapped in Kazakh."
    )
    kind: Literal["street", "micro-district", "stop"]
    kind_label: str = Field(description="The kind in the requested language.")
    district_id: str
    district: str = Field(description="The district's name in the requested language.")
    lat: float = Field(description="A point to centre the map on (on the street, for a street).")
    lon: float
    bbox: tuple[float, float, float, float] | None = Field(
        description="A street's extent (all its segments in the district): west, south, east, "
        "north in degrees; null for a point."
    )


@router.get(
    "/search",
    response_model=list[PlaceOut],
    responses={
        422: {
            "description": "`q` is shorter than 2 or longer than 100 characters, or holds a "
            "control character; the message is in the requested language."
        }
    },
)
def search_places(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    q: Annotated[
        str,
        Query(
            description="Part of the name, in Russian or Kazakh spelling, with or without "
            "ул./улица/көшесі/пр./даңғылы/мкр.; 2 to 100 characters.",
            examples=["Абай даңғылы", "мкр. Аксай-4", "толе би"],
            json_schema_extra=place_search.QUERY_SCHEMA,
        ),
    ],
) -> list[PlaceOut]:
    """Streets, micro-districts and stops whose name matches ``q``, best first, at most 10;
    ``[]`` when none does. Anyone may call it: the answer is public map data only."""
    text = place_search.checked_query(q)
    found = place_search.search_places(session, q=text, lang=lang)
    return [PlaceOut.model_validate(place, from_attributes=True) for place in found]
