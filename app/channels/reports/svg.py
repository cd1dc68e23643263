"""Charts and the micro-district map of the PDF reports, drawn as SVG by hand.

WeasyPrint draws inline SVG itself, so no chart library, browser or map tiles are needed, and
the numbers in a chart are text the PDF keeps. Every function returns markup built from
numbers and escaped labels only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

from app.channels.web import colours
from app.scoring import band_for

# The bands' colours, as on the result page (static/css/app.css), darkened enough to print.
BAND_COLOURS = {
    "low": "#2e7d32",
    "moderate": "#d49b00",
    "high": "#e06000",
    "critical": "#c62828",
}
NO_DATA = "#d9d9d9"
INK = "#222222"
GRID = "#bbbbbb"
FONT = "DejaVu Sans, sans-serif"


def band_colour(band: str | None) -> str:
    return BAND_COLOURS.get(band or "", NO_DATA)


def risk_colour(value: float | None) -> str:
    return NO_DATA if value is None else band_colour(band_for(min(max(value, 0.0), 100.0)))


def _n(value: float) -> str:
    """A coordinate with at most one decimal (small files, stable output)."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, body: Iterable[str], label: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}mm" height="{_n(height)}mm" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" aria-label="{escape(label)}" '
        f'font-family="{FONT}">' + "".join(body) + "</svg>"
    )


def bar(value: float | None, *, width: float = 90.0, height: float = 4.2) -> Markup:
    """One section's bar, 0..100 over ``width`` mm, gridlines at the band limits.

    Only shapes: the label and the number are HTML beside it (WeasyPrint lays out each SVG
    text node on its own, ~8 ms each, while a table cell of text costs a fraction of that).
    """
    scale = width / 100.0
    parts = [f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="#eeeeee"/>']
    if value is not None:
        length = max(min(value, 100.0), 0.6) * scale
        parts.append(
            f'<rect x="0" y="0" width="{_n(length)}" height="{_n(height)}" '
            f'fill="{risk_colour(value)}"/>'
        )
    # One path for the three gridlines: WeasyPrint draws each SVG node on its own.
    grid = "".join(f"M{_n(limit * scale)} 0V{_n(height)}" for limit in (25, 50, 75))
    parts.append(f'<path d="{grid}" stroke="#ffffff" stroke-width="0.3"/>')
    return _svg(width, height, parts, "")


@dataclass(frozen=True)
class Point:
    value: float | None  # 0..100, None: no data that month


def trend_chart(
    points: Sequence[Point], *, width: float = 150.0, height: float = 30.0, label: str = ""
) -> Markup:
    """The monthly mean index (0..100) as a line over equal month columns, band colours
    shading the background; a gap where a month has no data. No text: the months and values
    are an HTML table under it, its columns aligned with the points."""
    n = max(len(points), 1)
    step = width / n

    def y_of(value: float) -> float:
        return height * (1 - value / 100.0)

    parts: list[str] = []
    for band, upper in (("low", 25), ("moderate", 50), ("high", 75), ("critical", 100)):
        parts.append(
            f'<rect x="0" y="{_n(y_of(upper))}" width="{_n(width)}" height="{_n(height / 4)}" '
            f'fill="{BAND_COLOURS[band]}" fill-opacity="0.12"/>'
        )
    grid = "".join(f"M0 {_n(y_of(limit))}H{_n(width)}" for limit in (0, 25, 50, 75, 100))
    parts.append(f'<path d="{grid}" stroke="{GRID}" stroke-width="0.2"/>')
    segments: list[list[str]] = [[]]
    for i, point in enumerate(points):
        if point.value is None:
            segments.append([])
            continue
        segments[-1].append(f"{_n(step * (i + 0.5))},{_n(y_of(point.value))}")
    for seg in segments:
        if len(seg) > 1:
            parts.append(
                f'<polyline points="{" ".join(seg)}" fill="none" stroke="{INK}" '
                'stroke-width="0.6"/>'
            )
    for i, point in enumerate(points):
        if point.value is not None:
            parts.append(
                f'<circle cx="{_n(step * (i + 0.5))}" cy="{_n(y_of(point.value))}" r="1.3" '
                f'fill="{risk_colour(point.value)}" stroke="{INK}" stroke-width="0.3"/>'
            )
    return _svg(width, height, parts, label)


@dataclass(frozen=True)
class MapArea:
    id: str
    geometry: Mapping[str, Any]  # GeoJSON Polygon or MultiPolygon, lon/lat
    value: float | None  # coverage-aware risk 0..100, None: no audited yard
    highlight: bool = False  # drawn with a heavy outline (the report's own area)
    number: int | None = None  # the area's number in the report's tables, drawn on it


def _rings(geometry: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates", [])
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    return [[(float(p[0]), float(p[1])) for p in ring] for polygon in polygons for ring in polygon]


def area_map(
    areas: Sequence[MapArea],
    *,
    width: float = 170.0,
    max_height: float = 120.0,
    label: str = "",
) -> Markup:
    """The areas filled by the shared risk colour scale (``app.channels.web.colours``, grey
    for no data) and fitted to ``width`` x ``max_height`` mm; an area with a ``number`` carries
    it in a white disc at its centre, so the tables can refer to it.

    Lon/lat are projected equirectangularly with the longitude scaled by cos(latitude): at
    the scale of a city that keeps shapes true to within a fraction of a percent. The
    attribution is HTML under the map (SVG text is slow to lay out: only the numbers are).
    """
    rings = [(area, ring) for area in areas for ring in _rings(area.geometry) if len(ring) > 2]
    if not rings:
        return _svg(width, 10.0, [], label)
    lons = [p[0] for _, ring in rings for p in ring]
    lats = [p[1] for _, ring in rings for p in ring]
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * kx, 1e-9)
    span_y = max(max(lats) - min(lats), 1e-9)
    pad, foot = 2.0, 0.0
    scale = min((width - 2 * pad) / span_x, (max_height - 2 * pad - foot) / span_y)
    height = span_y * scale + 2 * pad + foot
    x0, y1 = min(lons), max(lats)

    def path(ring: list[tuple[float, float]]) -> str:
        points = " L".join(
            f"{_n(pad + (lon - x0) * kx * scale)} {_n(pad + (y1 - lat) * scale)}"
            for lon, lat in ring
        )
        return f"M{points}Z"

    parts: list[str] = []
    for highlighted in (False, True):  # the highlighted outline is drawn last, on top
        for area, ring in rings:
            if area.highlight != highlighted:
                continue
            stroke, stroke_w = ("#000", "0.9") if highlighted else ("#ffffff", "0.25")
            parts.append(
                f'<path d="{path(ring)}" fill="{colours.risk_colour(area.value)}" '
                f'stroke="{stroke}" stroke-width="{stroke_w}" stroke-linejoin="round"/>'
            )
    for area in areas:
        outer = max(
            (ring for ring in _rings(area.geometry) if len(ring) > 2), key=_ring_area, default=None
        )
        if area.number is None or outer is None:
            continue
        lon, lat = _centroid(outer)
        x, y = pad + (lon - x0) * kx * scale, pad + (y1 - lat) * scale
        radius = 1.9 if area.number < 10 else 2.3
        parts.append(
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(radius)}" fill="#ffffff" '
            f'stroke="{INK}" stroke-width="0.25"/>'
            f'<text x="{_n(x)}" y="{_n(y + 0.9)}" font-size="2.5" font-weight="bold" '
            f'text-anchor="middle" fill="{INK}">{area.number}</text>'
        )
    return _svg(width, height, parts, label)


def _ring_area(ring: list[tuple[float, float]]) -> float:
    return abs(
        sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1], strict=True))
    )


def _centroid(ring: list[tuple[float, float]]) -> tuple[float, float]:
    """The centroid of a ring (the mean of its corners for a degenerate one)."""
    pairs = list(zip(ring, ring[1:] + ring[:1], strict=True))
    twice = sum(a[0] * b[1] - b[0] * a[1] for a, b in pairs)
    if abs(twice) < 1e-12:
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
    cx = sum((a[0] + b[0]) * (a[0] * b[1] - b[0] * a[1]) for a, b in pairs) / (3 * twice)
    cy = sum((a[1] + b[1]) * (a[0] * b[1] - b[0] * a[1]) for a, b in pairs) / (3 * twice)
    return cx, cy
