"""A month-by-month trend as a small bar chart: geometry computed here, SVG drawn by the
template (``templates/inspectors/_trend.html``), so no chart library and no script."""

from __future__ import annotations

from dataclasses import dataclass

from app.areas.trend import MonthPoint
from app.scoring import band_for

WIDTH = 320
HEIGHT = 120
TOP = 8
BOTTOM = 22  # room for the month labels
LEFT = 24  # room for the 0/50/100 labels


@dataclass(frozen=True)
class Bar:
    month: str
    label: str  # "10" for October; the year under January and the first bar
    year: str | None
    x: float
    width: float
    y: float
    height: float
    band: str  # the band of the month's mean index ("none": no submission)
    point: MonthPoint


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    base: float  # y of the zero line
    gridlines: list[tuple[float, int]]  # (y, value) for 0, 50, 100
    bars: list[Bar]


def trend_chart(points: list[MonthPoint]) -> Chart:
    """Bars of the mean risk index (0-100) per month; a month without submissions has none."""
    plot_height = HEIGHT - TOP - BOTTOM
    base = float(HEIGHT - BOTTOM)
    step = (WIDTH - LEFT) / max(len(points), 1)
    bars = []
    for n, point in enumerate(points):
        value = point.mean_risk or 0.0
        height = plot_height * min(max(value, 0.0), 100.0) / 100.0
        year, month = point.month.split("-")
        bars.append(
            Bar(
                month=point.month,
                label=str(int(month)),
                year=year if n == 0 or month == "01" else None,
                x=round(LEFT + n * step + step * 0.15, 1),
                width=round(step * 0.7, 1),
                y=round(base - height, 1),
                height=round(height, 1),
                band=band_for(point.mean_risk) if point.mean_risk is not None else "none",
                point=point,
            )
        )
    grid = [(round(base - plot_height * v / 100.0, 1), v) for v in (0, 50, 100)]
    return Chart(WIDTH, HEIGHT, LEFT, TOP, base, grid, bars)
