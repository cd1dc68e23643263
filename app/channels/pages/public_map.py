"""The residents' map of areas (``/map``) and an area's yards (``/map/areas/{id}``).

Public pages: aggregates of micro-districts (``app.areas.public_map``) and yards with what
their own public pages show (``app.findings.public_yards``). Without JavaScript ``/map`` is
the list of areas by district; static/js/public-map.js draws the map above it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.areas import public_map, service
from app.channels.api import public_areas
from app.channels.api.public_areas import current_public_areas
from app.channels.pages.places import district_names
from app.channels.staff.legend import classes
from app.channels.web.colours import COLOURS, NO_DATA, RISK_BOUNDS
from app.channels.web.context import AreaShapesDep, ContextDep
from app.channels.web.formatting import Formatter
from app.findings import public_yards
from app.platform import translations
from app.platform.config import Settings
from app.platform.db import SessionDep
from app.platform.errors import NotFound
from app.platform.security.headers import SESSION_COOKIE
from app.platform.templating import render
from app.platform.translations import gettext as _

# The pages stay out of the OpenAPI schema; the API they read is in it (one router for main).
router = APIRouter()
router.include_router(public_areas.router)

# The same page for every reader of a language; not for a signed-in person (the page's
# header and CSRF token are theirs: the security headers make it private, no-store) nor an
# answer that sets the language cookie.
PAGE_CACHE = "public, max-age=300"
PAGE_VARY = "Accept-Language, Cookie"


@dataclass(frozen=True)
class PublicTiles:
    """The tile server an operator named for the residents' maps, and its credit."""

    url: str
    attribution: str


def public_tiles(settings: Settings) -> PublicTiles | None:
    """The residents' maps' tile server; None (the default): they draw SafeYard's own base
    layer and ask no tile server (OpenStreetMap's tile policy is not for public traffic)."""
    if not settings.public_map_tile_url:
        return None
    return PublicTiles(settings.public_map_tile_url, settings.public_map_tile_attribution)


@dataclass(frozen=True)
class DistrictAreas:
    id: str
    name: str
    areas: list[public_map.PublicArea]

    @property
    def shown(self) -> int:
        return sum(1 for a in self.areas if a.has_figure)


def _page(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    lang = translations.current_lang.get()
    response = render(request, template, {"fmt": Formatter(lang), **context})
    signed_in = SESSION_COOKIE.decode() in request.headers.get("cookie", "")
    if not signed_in and "lang" not in request.query_params:
        response.headers["Cache-Control"] = PAGE_CACHE
        response.headers["Vary"] = PAGE_VARY
    return response


def map_config(fmt: Formatter) -> dict[str, Any]:
    """What static/js/public-map.js needs: the colour classes and its sentences."""
    return {
        "risk": [
            {"lower": lower, "colour": colour}
            for lower, colour in zip(RISK_BOUNDS, COLOURS, strict=True)
        ],
        "no_data": NO_DATA,
        "strings": {
            "loading": _("Loading…"),
            "load_failed": _("Could not load the map data. Check the connection and reload."),
            "zoom_in": _("Zoom in to see the yards."),
            "too_many": _("Too many yards here: zoom in further to see them."),
            "yards_in_view": _("Yards in view: %(n)s", n="{n}"),
            "no_yards_in_view": _("No known yard in view."),
            "risk_index": _("Risk index"),
            "no_index": _("not checked in the last months"),
            "open_yard": _("Open the yard page"),
            "area_page": _("The area's yards"),
            "no_yards": _("No yards known here"),
            "not_checked": _("No yard checked here yet"),
            "too_few": _("Too few yards checked for a figure"),
            "active": _("Problems being fixed: %(n)s", n="{n}"),
            "overdue": _("overdue: %(n)s", n="{n}"),
            "fix_reported": _("Reported fixed: %(n)s", n="{n}"),
            "verified": _("Fixed and checked: %(n)s", n="{n}"),
            "locating": _("Finding your location…"),
            "location_failed": _("Could not get your location. Move the map to your yard."),
        },
    }


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def area_map(
    request: Request, context: ContextDep, session: SessionDep, shapes: AreaShapesDep
) -> HTMLResponse:
    """The areas of the city by district with their public figures; the map with JS."""
    lang = translations.current_lang.get()
    fmt = Formatter(lang)
    names = district_names(session, lang)
    grouped: dict[str, list[public_map.PublicArea]] = {}
    for area in current_public_areas(context, session, shapes):
        grouped.setdefault(area.district_id or "", []).append(area)
    districts = sorted(
        (DistrictAreas(d, names.get(d, d), areas) for d, areas in grouped.items() if d),
        key=lambda d: d.name.casefold(),
    )
    return _page(
        request,
        "pages/area_map.html",
        {
            "districts": districts,
            "min_audited": service.flag_rules(context.settings).min_audited,
            "legend": classes(RISK_BOUNDS, share=False, fmt=fmt),
            "no_data_colour": NO_DATA,
            "map_config": json.dumps(map_config(fmt), ensure_ascii=False),
            "tiles": public_tiles(context.settings),
        },
    )


@router.get("/map/areas/{area_id}", response_class=HTMLResponse, include_in_schema=False)
def area_yards(
    area_id: str,
    request: Request,
    context: ContextDep,
    session: SessionDep,
    shapes: AreaShapesDep,
) -> HTMLResponse:
    """One area: its public figure (or why there is none) and its known yards, each with
    what its public page shows."""
    if area_id not in shapes.micro_districts:
        raise NotFound(translations.gettext("There is no micro-district %(id)s.", id=area_id[:40]))
    area = next(a for a in current_public_areas(context, session, shapes) if a.id == area_id)
    lang = translations.current_lang.get()
    yards, truncated = public_yards.public_yards(session, micro_district_id=area_id)
    return _page(
        request,
        "pages/map_area.html",
        {
            "area": area,
            "district": district_names(session, lang).get(area.district_id or "", ""),
            "yards": yards,
            "truncated": truncated,
            "min_audited": service.flag_rules(context.settings).min_audited,
        },
    )
