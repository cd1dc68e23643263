"""Numbers, dates and distances written the way the page's language writes them.

One formatter for every surface (pages, API texts, flag reasons, PDFs): the same rounding
(half-even, as Babel rounds), the locale's decimal separator, and ``compare`` for a figure
beside its threshold.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from app.platform.languages import Lang
from app.platform.translations import gettext
from app.scoring import Flag

# Kazakhstan has kept one time zone, UTC+5, since 1 March 2024; dates are Almaty's dates.
ALMATY = timezone(timedelta(hours=5), "Asia/Almaty")

# Kazakh writes the year first: "2026 жылғы 5 желтоқсан", "2026 жылғы желтоқсан" (lower case;
# the format-context month, since Babel's stand-alone kk month names are capitalised).
# Russian: "5 декабря 2026", without CLDR's "г.": most sentences end on the date ("… %(date)s.")
# and an abbreviation's stop then doubled ("2026 г..", issue 18).
_DATE_PATTERNS = {"kk": "y 'жылғы' d MMMM", "ru": "d MMMM y"}
_MONTH_PATTERNS = {"kk": "y 'жылғы' MMMM", "ru": "LLLL y", "en": "LLLL y"}

_RELATIONS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
# compare() shows a figure with at most this many decimals.
MAX_DECIMALS = 4


def _decimals(value: float) -> int:
    """How many decimals ``value`` needs (1.96 -> 2, 50.0 -> 0), at most MAX_DECIMALS."""
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    return min(MAX_DECIMALS, max(0, -exponent)) if isinstance(exponent, int) else 0


def quantize(value: float, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` places the way Babel rounds it for display."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)


# The method ``Formatter.date`` hides the type inside the class: annotations there use Day.
Day = date


def _as_date(moment: datetime | date) -> date:
    """The Almaty date of a moment (a ``date`` stays as it is)."""
    return moment.astimezone(ALMATY).date() if isinstance(moment, datetime) else moment


@dataclass(frozen=True)
class Formatter:
    """Formatting helpers for one page language, passed to templates as ``fmt``.

    Public API (pages, API texts, flag reasons and PDFs call it): ``number``, ``compare``,
    ``percent``, ``date``, ``month``, ``day_range``, ``short_date``, ``distance``,
    ``coordinate``, ``flag_reason``.
    """

    lang: Lang

    def number(self, value: float | None, decimals: int = 1) -> str:
        """62.34 -> '62,3' in Russian and Kazakh, '62.3' in English; 57.0 -> '57' (no
        trailing zeros, at most ``decimals`` places); None -> a dash."""
        if value is None:
            return "—"
        pattern = "#,##0." + "#" * decimals if decimals > 0 else "#,##0"
        return format_decimal(quantize(value, decimals), format=pattern, locale=self.lang)

    def compare(
        self, value: float, threshold: float, relation: str = ">=", decimals: int = 1
    ) -> tuple[str, str]:
        """``value`` and ``threshold`` written so the written figures compare as the raw
        ones do: (56.84, 50) -> ('56,8', '50'); (49.96, 50, '<') -> ('49,96', '50');
        (2.0234, 1.96, '>') -> ('2,02', '1,96'). At least ``decimals`` places, as many as the
        threshold has, more when rounding would make the written comparison untrue (at most
        MAX_DECIMALS)."""
        holds = _RELATIONS[relation]
        raw = holds(Decimal(str(value)), Decimal(str(threshold)))
        places = max(decimals, _decimals(threshold))
        while places < MAX_DECIMALS and (
            holds(quantize(value, places), quantize(threshold, places)) != raw
        ):
            places += 1
        return self.number(value, places), self.number(threshold, places)

    def percent(self, fraction: float) -> str:
        """0.92 -> '92 %' (ru), '92%' (kk, en)."""
        return format_percent(fraction, locale=self.lang)

    def date(self, moment: datetime | Day) -> str:
        """The Almaty date, written out: '5 декабря 2026', '2026 жылғы 5 желтоқсан',
        'December 5, 2026'."""
        pattern = _DATE_PATTERNS.get(self.lang, "long")
        return format_date(_as_date(moment), format=pattern, locale=self.lang)

    def month(self, month: str | Day) -> str:
        """A month ("2026-12" or a date in it): 'декабрь 2026', '2026 жылғы желтоқсан',
        'December 2026'."""
        if isinstance(month, str):
            year, number = (int(part) for part in month.split("-"))
            month = date(year, number, 1)
        return format_date(month, format=_MONTH_PATTERNS.get(self.lang, "LLLL y"), locale=self.lang)

    def day_range(self, first: datetime | Day, last: datetime | Day) -> str:
        """Days of one month: '1–5 декабря 2026', '2026 жылғы 1–5 желтоқсан',
        'December 1–5, 2026' (one day, or days of two months: dates)."""
        start, end = _as_date(first), _as_date(last)
        if start == end:
            return self.date(start)
        if (start.year, start.month) != (end.year, end.month):
            return f"{self.date(start)} – {self.date(end)}"
        days = f"{start.day}–{end.day}"
        if self.lang == "kk":
            return f"{end.year} жылғы {days} {format_date(end, 'MMMM', locale='kk')}"
        if self.lang == "ru":
            return f"{days} {format_date(end, 'MMMM', locale='ru')} {end.year}"
        return f"{format_date(end, 'MMMM', locale=self.lang)} {days}, {end.year}"

    def short_date(self, moment: datetime | Day) -> str:
        """The Almaty date as digits, '04.11.2026', for tables on a narrow screen."""
        return format_date(_as_date(moment), format="dd.MM.yyyy", locale=self.lang)

    def distance(self, metres: float) -> str:
        """'35 m', '4.2 km' in the page language, never broken across lines."""
        if metres < 1000:
            text = gettext("%(value)s m", value=self.number(metres, 0))
        else:
            text = gettext(
                "%(value)s km", value=self.number(metres / 1000, 1 if metres < 10_000 else 0)
            )
        return text.replace(" ", "\u00a0")

    def flag_reason(self, flag: Flag) -> str:
        """A flag's reason in the current language from its code and values: 'Risk 52–63
        (80% interval); the probability that the true mean is 50 or more is 91%, with 12
        audited yards.' The same text on pages, in the API, the CSV export and the PDFs."""
        v = flag.params
        if flag.code in ("problem_area", "needs_more_audits") and {"p", "limit"} <= v.keys():
            values = {
                "low": self.number(v.get("low", 0.0)),
                "high": self.number(v.get("high", 0.0)),
                "limit": self.number(v["limit"]),
                "p": self.percent(v["p"]),
                "audited": self.number(v.get("audited", 0), 0),
            }
            if flag.code == "problem_area":
                return gettext(
                    "Risk %(low)s–%(high)s (80%% interval); the probability that the true mean "
                    "is %(limit)s or more is %(p)s, with %(audited)s audited yards.",
                    **values,
                )
            return gettext(
                "Risk %(low)s–%(high)s (80%% interval); the probability that the true mean is "
                "%(limit)s or more is %(p)s, with %(audited)s audited yards: more audits are "
                "needed to tell.",
                **values,
            )
        if flag.code == "not_enough_data" and {"audited", "needed"} <= v.keys():
            return gettext(
                "%(audited)s audited yards; at least %(needed)s are needed to judge the area.",
                audited=self.number(v["audited"], 0),
                needed=self.number(v["needed"], 0),
            )
        if flag.code == "cluster" and {"z", "neighbours", "q"} <= v.keys():
            return gettext(
                "The area and its %(neighbours)s neighbouring areas with data are worse together "
                "than the city (Gi* z-score %(z)s; false discovery rate %(q)s).",
                neighbours=self.number(v["neighbours"], 0),
                z=self.number(v["z"], 2),
                q=self.percent(v["q"]),
            )
        if flag.code == "stale" and {"days", "limit"} <= v.keys():
            return gettext(
                "No submission for %(days)s days (the limit is %(limit)s).",
                days=self.number(v["days"], 0),
                limit=self.number(v["limit"], 0),
            )
        return flag.reason

    @staticmethod
    def coordinate(value: float) -> str:
        """Decimal degrees with a dot, as map apps write and read them."""
        return f"{value:.5f}"
