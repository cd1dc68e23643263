"""Flags, sections and periods in the page's language.

The flags' own reasons (``app.scoring``, pure) are English; the pages rebuild each reason in
the reader's language from the same figures and limits, so the numbers always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date

from app.areas.figures import AreaFigures
from app.channels.web.formatting import Formatter
from app.platform.config import Settings
from app.platform.db import utcnow
from app.platform.translations import gettext as _
from app.scoring import Flag

# The order of importance: an area's outline on the map shows the first of its flags here.
FLAG_CODES = ("problem_area", "hotspot", "stale", "not_enough_data")
PERIODS = (1, 3, 6, 12)


@dataclass(frozen=True)
class FlagText:
    code: str
    label: str
    reason: str


def flag_label(code: str) -> str:
    labels = {
        "problem_area": _("Problem area"),
        "hotspot": _("Hotspot"),
        "stale": _("No recent checks"),
        "not_enough_data": _("Not enough data"),
    }
    return labels.get(code, code)


def flag_explanation(code: str) -> str:
    """What an outline on the map means (the legend)."""
    texts = {
        "problem_area": _("coverage-aware risk at or above the limit, with enough audited yards"),
        "hotspot": _("high risk together with the areas around it (Getis-Ord Gi*)"),
        "stale": _("no submission for a long time"),
        "not_enough_data": _("too few audited yards to judge"),
    }
    return texts.get(code, code)


def flag_text(
    flag: Flag,
    figures: AreaFigures,
    *,
    settings: Settings,
    fmt: Formatter,
    now: datetime | None = None,
) -> FlagText:
    """The flag's label and its reason with the numbers that raised it."""
    reason = flag.reason
    if flag.code == "problem_area":
        reason = _(
            "Coverage-aware risk %(risk)s is at or above %(limit)s, with %(audited)s audited "
            "yards.",
            risk=fmt.number(round(figures.coverage_risk)),
            limit=fmt.number(settings.problem_area_risk),
            audited=figures.yards_audited,
        )
    elif flag.code == "not_enough_data":
        reason = _(
            "%(audited)s audited yards; at least %(needed)s are needed to judge the area.",
            audited=figures.yards_audited,
            needed=settings.area_min_audited,
        )
    elif flag.code == "hotspot" and figures.gi_z is not None:
        reason = _(
            "Gi* z-score %(z)s is above %(limit)s: the area and its neighbours are riskier "
            "together than the city as a whole.",
            z=fmt.number(round(figures.gi_z, 2)),
            limit=fmt.number(settings.hotspot_z),
        )
    elif flag.code == "stale":
        if figures.last_submission_at is None:
            reason = _("No submission yet.")
        else:
            days = ((now or utcnow()) - figures.last_submission_at).days
            reason = _(
                "No submission for %(days)s days (the limit is %(limit)s).",
                days=days,
                limit=settings.area_stale_days,
            )
    return FlagText(flag.code, flag_label(flag.code), reason)


def flag_texts(
    figures: AreaFigures, *, settings: Settings, fmt: Formatter, now: datetime | None = None
) -> list[FlagText]:
    return [flag_text(f, figures, settings=settings, fmt=fmt, now=now) for f in figures.flags]


def period_label(months: int | None) -> str:
    if months is None:
        return _("Current risk (all yards)")
    return {
        1: _("Last month"),
        3: _("Last 3 months"),
        6: _("Last 6 months"),
        12: _("Last 12 months"),
    }.get(months, _("Last %(months)s months", months=months))


def basis_label(basis: str) -> str:
    return {
        "inspector_audit": _("inspector audit"),
        "residents_median": _("residents' answers"),
    }.get(basis, basis)


def month_label(month: str, lang: str) -> str:
    """ "2026-10" -> "октябрь 2026" / "қазан 2026" / "October 2026"."""
    year, number = (int(part) for part in month.split("-"))
    return format_date(date(year, number, 1), format="LLLL yyyy", locale=lang)
