"""The map's colour classes and flag outlines: one definition, drawn by the legend (template)
and by the map (handed to static/js/inspector-map.js as JSON in a data- attribute)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.channels.staff.labels import FLAG_CODES, flag_explanation, flag_label
from app.channels.web.colours import COLOURS, NO_DATA, RISK_BOUNDS, SHARE_BOUNDS
from app.channels.web.formatting import Formatter
from app.platform.translations import gettext as _


@dataclass(frozen=True)
class Outline:
    code: str
    colour: str
    weight: int
    dash: str | None  # SVG stroke-dasharray, as Leaflet's dashArray
    label: str
    explanation: str


OUTLINES = {
    "problem_area": ("#000000", 4, None),
    "cluster": ("#5b0eb3", 4, "8 5"),
    "needs_more_audits": ("#8a5a00", 3, "4 4"),
    "stale": ("#1f4e9a", 3, "2 5"),
    "not_enough_data": ("#5c5c5c", 2, "1 6"),
}


@dataclass(frozen=True)
class LegendClass:
    lower: float
    upper: float | None
    colour: str
    label: str


def classes(bounds: tuple[float, ...], *, share: bool, fmt: Formatter) -> list[LegendClass]:
    def text(value: float) -> str:
        return fmt.percent(value) if share else fmt.number(value)

    out = []
    for n, lower in enumerate(bounds):
        upper = bounds[n + 1] if n + 1 < len(bounds) else None
        label = f"{text(lower)} – {text(upper)}" if upper is not None else f"≥ {text(lower)}"
        out.append(LegendClass(lower, upper, COLOURS[n], label))
    return out


def outlines() -> list[Outline]:
    return [
        Outline(code, *OUTLINES[code], flag_label(code), flag_explanation(code))
        for code in FLAG_CODES
    ]


def map_config(fmt: Formatter) -> dict[str, Any]:
    """What the map script needs to colour the areas and the yard dots and outline the areas
    like the legend says (one scale: ``app.channels.web.colours``)."""
    return {
        "risk": [asdict(c) for c in classes(RISK_BOUNDS, share=False, fmt=fmt)],
        "share": [asdict(c) for c in classes(SHARE_BOUNDS, share=True, fmt=fmt)],
        "no_data": NO_DATA,
        "outlines": [asdict(o) for o in outlines()],
        "order": list(FLAG_CODES),
        "strings": {
            "no_data": _("No audited yard"),
            "risk": _("Estimated area risk"),
            "share": _("Failing the section"),
            "loading": _("Loading…"),
            "load_failed": _("Could not load the map data. Check the connection and reload."),
            "panel_failed": _("Could not load this area. Try again."),
            "zoom_in": _("Zoom in to see the yards."),
            "too_many": _("Too many yards here: zoom in further to see them."),
            "yard": _("Yard no. %(id)s", id="{id}"),
            "risk_index": _("Risk index"),
            "open_yard": _("Open the yard page"),
            "area": _("Micro-district"),
            "no_yards_known": _("No yards known here"),
            "none_checked": _("Known yards: %(n)s, none checked", n="{n}"),
            "no_index": _("no current risk index"),
            "tiles": _("Map tiles (%(host)s)", host="{host}"),
            # Clusters: one per area where a view holds more yards than the server draws.
            "clusters_shown": _(
                "Too many yards to show one by one: each circle is a micro-district with its "
                "number of yards. Select one to zoom in."
            ),
            "cluster_yards": _("Yards: %(count)s", count="{n}"),
            "cluster_mean": _("mean risk %(risk)s", risk="{risk}"),
            "cluster_no_mean": _("no yard with a current risk index"),
            "cluster_few": _("too few audited yards to judge"),
        },
    }
