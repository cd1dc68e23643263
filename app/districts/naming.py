"""An area's human name in the reader's language: the one function every page, API, export
and report uses (``area_name``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlmodel import Session, select

from app.districts.models import District
from app.geo.features import PolygonFeature
from app.geo.names import PlaceLabel
from app.geo.nesting import Slice


class NamedArea(Protocol):
    """A micro-district row, or any read model carrying its names."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def name_kk(self) -> str | None: ...
    @property
    def name_en(self) -> str | None: ...


def area_name(area: NamedArea, lang: str) -> str:
    """The area's name in ``lang`` ("ru", "kk", "en"), else its Russian name, else its code.

    Names are stored at import in the three languages (``app.districts.service``): the place
    names as mapped in OpenStreetMap (Russian), the generic words ("ш/а", "көш.", "st.") and
    the district in ``lang``; "<district> · <code>" where the data names nothing near it.
    """
    localised = {"kk": area.name_kk, "en": area.name_en}.get(lang)
    return localised or area.name or area.id


def name_source(
    feature: PolygonFeature,
    name_property: str | None,
    name_of: Callable[[PolygonFeature], PlaceLabel | None] | None,
) -> str | PlaceLabel | None:
    """The file's own name (one text for every language), else the parts of a composed one."""
    raw = feature.properties.get(name_property) if name_property else None
    name = str(raw).strip() if raw is not None else ""
    if name:
        return name
    return name_of(feature) if name_of is not None else None


def area_names(
    piece: Slice, parts: str | PlaceLabel | None, district: District | None
) -> dict[str, str]:
    """{"name": ru, "name_kk": kk, "name_en": en} of one area (see import_micro_districts)."""
    names = {}
    for lang, column in (("ru", "name"), ("kk", "name_kk"), ("en", "name_en")):
        district_name = district.name(lang) if district is not None else None
        if isinstance(parts, PlaceLabel):
            name = parts.compose(lang, district_name)
        elif parts:
            name = f"{parts} · {district_name}" if piece.split and district_name else parts
        else:
            code = piece.source_id
            name = f"{district_name} · {code}" if district_name else code
        names[column] = name[:300]
    return names


def district_names(session: Session, lang: str) -> dict[str, str]:
    """District id -> its name in ``lang`` (the polygons themselves are not read)."""
    rows = session.exec(
        select(District.id, District.name_ru, District.name_kk, District.name_en)
    ).all()
    column = {"ru": 1, "kk": 2, "en": 3}[lang]
    return {row[0]: row[column] for row in rows}
