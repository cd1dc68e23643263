"""Numbers, dates and distances written the way the page's language writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from app.platform.languages import Lang
from app.platform.translations import gettext

# Kazakhstan has kept one time zone, UTC+5, since 1 March 2024; dates are Almaty's dates.
ALMATY = timezone(timedelta(hours=5), "Asia/Almaty")


@dataclass(frozen=True)
class Formatter:
    """Formatting helpers for one page language, passed to templates as ``fmt``."""

    lang: Lang

    def number(self, value: float | None) -> str:
        """62.3 -> '62,3' in Russian and Kazakh; None -> a dash."""
        if value is None:
            return "—"
        return format_decimal(value, format="#,##0.#", locale=self.lang)

    def percent(self, fraction: float) -> str:
        """0.92 -> '92 %' (ru), '92%' (kk, en)."""
        return format_percent(fraction, locale=self.lang)

    def date(self, moment: datetime) -> str:
        """The Almaty date, written out: '12 мая 2026 г.', '2026 ж. 12 мамыр'."""
        return format_date(moment.astimezone(ALMATY).date(), format="long", locale=self.lang)

    def short_date(self, moment: datetime) -> str:
        """The Almaty date as digits, '04.11.2026', for tables on a narrow screen."""
        return format_date(moment.astimezone(ALMATY).date(), format="dd.MM.yyyy", locale=self.lang)

    def distance(self, metres: float) -> str:
        """'35 m', '4.2 km' in the page language, never broken across lines."""
        if metres < 1000:
            text = gettext("%(value)s m", value=format_decimal(round(metres), locale=self.lang))
        else:
            km = round(metres / 1000, 1 if metres < 10_000 else 0)
            text = gettext("%(value)s km", value=format_decimal(km, locale=self.lang))
        return text.replace(" ", "\u00a0")

    @staticmethod
    def coordinate(value: float) -> str:
        """Decimal degrees with a dot, as map apps write and read them."""
        return f"{value:.5f}"
