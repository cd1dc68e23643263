"""The residents' map of areas: what a stranger may see of a micro-district.

Aggregates only, from the same figures as the inspectors' map (``service``), with the same
"no data" states; an area with fewer audited yards than the inspectors' "not enough data"
line (``Settings.area_min_audited``) gets no figure at all, not even a count. Keyword-only
functions; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.areas import service
from app.areas.figures import AreaFigures, rounded
from app.areas.shapes import AreaShapes, area_name
from app.platform.config import Settings
from app.scoring import band_for

# The public states of an area: the inspectors' ``data_state`` with "too_few" between
# "not_checked" and "audited" for the areas the inspectors see flagged "not enough data".
NO_YARDS = "no_yards"
NOT_CHECKED = "not_checked"
TOO_FEW = "too_few"
SHOWN = "shown"


def public_state(figures: AreaFigures, *, settings: Settings) -> str:
    """Which of the four states a stranger sees; a figure only in ``SHOWN``.

    The line is the inspectors' own (``service.flag_rules(settings).min_audited``, the one
    that flags "not enough data"), so both maps go quiet at the same count."""
    if figures.data_state != "audited":
        return figures.data_state
    if figures.yards_audited < service.flag_rules(settings).min_audited:
        return TOO_FEW
    return SHOWN


@dataclass(frozen=True)
class PublicArea:
    """A micro-district as the public map shows it; every figure None unless ``state`` is
    ``SHOWN``."""

    id: str
    name: str
    district_id: str | None
    state: str
    risk: float | None = None
    risk_low: float | None = None
    risk_high: float | None = None
    band: str | None = None
    yards_audited: int | None = None
    yards_inspected: int | None = None

    @property
    def has_figure(self) -> bool:
        return self.state == SHOWN

    def as_properties(self) -> dict[str, Any]:
        """The GeoJSON feature's properties (the public API)."""
        return {
            "name": self.name,
            "district_id": self.district_id,
            "state": self.state,
            "risk": self.risk,
            "risk_low": self.risk_low,
            "risk_high": self.risk_high,
            "band": self.band,
            "yards_audited": self.yards_audited,
            "yards_inspected": self.yards_inspected,
        }


def public_area(
    shape_id: str, name: str, district_id: str | None, figures: AreaFigures, *, settings: Settings
) -> PublicArea:
    """One area's public view of ``figures`` (see ``public_state``)."""
    state = public_state(figures, settings=settings)
    if state != SHOWN or figures.coverage_risk is None:
        return PublicArea(shape_id, name, district_id, state)
    return PublicArea(
        shape_id,
        name,
        district_id,
        state,
        risk=rounded(figures.coverage_risk),
        risk_low=rounded(figures.risk_low),
        risk_high=rounded(figures.risk_high),
        band=band_for(figures.coverage_risk),
        yards_audited=figures.yards_audited,
        yards_inspected=figures.yards_inspected,
    )


def public_areas(
    session: Session,
    *,
    settings: Settings,
    shapes: AreaShapes,
    sections: Sequence[str],
    district_names: Mapping[str, str],
    kept: service.KeptSums | None = None,
) -> list[PublicArea]:
    """Every micro-district's public view today (the inspectors' current figures), names in
    the request's language, ordered by district, then name."""
    report = service.micro_district_figures(
        session,
        settings=settings,
        neighbours=shapes.neighbours,
        sections=sections,
        kept=kept,
    )
    out = [
        public_area(
            shape.id,
            area_name(shape, district_names),
            shape.district_id,
            report.areas[shape.id],
            settings=settings,
        )
        for shape in shapes.micro_districts.values()
    ]
    return sorted(out, key=lambda a: (a.district_id or "", a.name.casefold(), a.id))
