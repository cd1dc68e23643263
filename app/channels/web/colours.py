"""One colour scale for risk on every surface: the inspectors' map (areas and yard dots), its
legend and the PDF maps. Sequential yellow-orange-red (ColorBrewer YlOrRd, 6 classes): risk
rises with the darkness; grey is "no data", never a risk colour."""

from __future__ import annotations

COLOURS = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA = "#d4d4d4"
# Lower bounds. Risk 0-100: the problem-area limit (50 by default) starts the fifth class.
RISK_BOUNDS = (0.0, 20.0, 30.0, 40.0, 50.0, 65.0)
# Share of audited yards failing a section, 0-1.
SHARE_BOUNDS = (0.0, 0.1, 0.2, 0.35, 0.5, 0.7)


def class_colour(value: float | None, bounds: tuple[float, ...] = RISK_BOUNDS) -> str:
    """The colour of ``value``'s class; grey when there is no value."""
    if value is None:
        return NO_DATA
    colour = COLOURS[0]
    for lower, candidate in zip(bounds, COLOURS, strict=True):
        if value >= lower:
            colour = candidate
    return colour


def risk_colour(value: float | None) -> str:
    """The colour of a risk index (0-100) or an area's risk; grey when there is none."""
    return class_colour(value, RISK_BOUNDS)
