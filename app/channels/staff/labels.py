"""Flags, sections, periods and months in the page's language.

A flag's reason is written from its code and values by ``Formatter.flag_reason`` (the
scoring package, pure, keeps only an English one), so pages, API and exports agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.areas.figures import AreaFigures
from app.channels.web.formatting import Formatter
from app.platform.languages import Lang
from app.platform.translations import gettext as _
from app.scoring import Flag

# The order of importance: an area's outline on the map shows the first of its flags here.
FLAG_CODES = ("problem_area", "cluster", "needs_more_audits", "stale", "not_enough_data")
PERIODS = (1, 3, 6, 12)


@dataclass(frozen=True)
class FlagText:
    code: str
    label: str
    reason: str


def flag_label(code: str) -> str:
    labels = {
        "problem_area": _("Problem area"),
        "cluster": _("Cluster of poor conditions"),
        "needs_more_audits": _("Needs more audits"),
        "stale": _("No recent checks"),
        "not_enough_data": _("Not enough data"),
    }
    return labels.get(code, code)


def flag_explanation(code: str) -> str:
    """What an outline on the map means (the legend)."""
    texts = {
        "problem_area": _("the area's true mean is very likely at or above the limit"),
        "cluster": _(
            "poor conditions together with the areas around it (Getis-Ord Gi*, false "
            "discoveries controlled)"
        ),
        "needs_more_audits": _("the data cannot tell yet whether the area is at the limit"),
        "stale": _("no submission for a long time"),
        "not_enough_data": _("too few audited yards to judge"),
    }
    return texts.get(code, code)


def flag_text(flag: Flag, fmt: Formatter) -> FlagText:
    """The flag's label and its reason with the numbers that raised it (``fmt.flag_reason``:
    the same text as the API's and the exports')."""
    return FlagText(flag.code, flag_label(flag.code), fmt.flag_reason(flag))


def flag_texts(figures: AreaFigures, *, fmt: Formatter, **_: object) -> list[FlagText]:
    return [flag_text(f, fmt) for f in figures.flags]


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
        "cooperative": _("housing cooperative's answers"),
    }.get(basis, basis)


def month_label(month: str, lang: Lang) -> str:
    """ "2026-10" -> "октябрь 2026" / "2026 жылғы қазан" / "October 2026"."""
    return Formatter(lang).month(month)
