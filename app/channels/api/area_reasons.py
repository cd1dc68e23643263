"""The map's flag reasons, remembered across rebuilds: formatting a flag's numbers with Babel
was a fifth of a rebuild after a write, and most areas' flags, and most of the numbers of
those that change, read the same as before."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from app.channels.web.formatting import Formatter, quantize
from app.platform.languages import Lang
from app.scoring import Flag

# Each kept up to this many texts, then started again (a long-running process meets new
# values with every write).
_TEXTS_MAX = 20_000
# (language, flag) -> its reason's text.
_REASON_TEXTS: dict[tuple[str, Flag], str] = {}
# (language, value as written, decimals or "%") -> its text: Babel took ~20 µs a number, and
# after a write the ~90 flags with probabilities are new flags whose numbers mostly read the
# same.
_NUMBER_TEXTS: dict[tuple[str, str, int | str], str] = {}
_WHOLE = Decimal(1)


def _remembered(texts: dict[Any, str], key: Any, make: Callable[[], str]) -> str:
    text = texts.get(key)
    if text is None:
        if len(texts) >= _TEXTS_MAX:
            texts.clear()
        text = texts[key] = make()
    return text


class RememberingFormatter(Formatter):
    """``Formatter`` whose numbers are remembered by their value as written: ``number``
    formats ``quantize(value, decimals)`` alone, and ``percent`` the fraction scaled by 100
    and rounded as Babel rounds it, so equal rounded values read the same."""

    def number(self, value: float | None, decimals: int = 1) -> str:
        if value is None:
            return super().number(value, decimals)
        # str: Decimal('-0.0') equals Decimal('0.0') but is written with its sign.
        key = (self.lang, str(quantize(value, decimals)), decimals)
        written = super().number
        return _remembered(_NUMBER_TEXTS, key, lambda: written(value, decimals))

    def percent(self, fraction: float) -> str:
        # Babel writes Decimal(str(fraction)) scaled by 100, rounded half-even to the
        # pattern's places (none in ru, kk and en).
        scaled = Decimal(str(fraction)).scaleb(2).quantize(_WHOLE, rounding=ROUND_HALF_EVEN)
        key = (self.lang, str(scaled), "%")
        written = super().percent
        return _remembered(_NUMBER_TEXTS, key, lambda: written(fraction))


def reasons(lang: Lang) -> Callable[[Flag], str]:
    """``Formatter(lang).flag_reason``, remembered per flag (a flag is its code and values)."""
    formatter = RememberingFormatter(lang)

    def reason(flag: Flag) -> str:
        return _remembered(_REASON_TEXTS, (lang, flag), lambda: formatter.flag_reason(flag))

    return reason
