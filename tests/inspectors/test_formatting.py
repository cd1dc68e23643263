"""The one number formatter: rounding, decimal separator, comparisons, Kazakh dates, flag
reasons in each language (app/channels/web/formatting.py)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.channels.staff.labels import month_label
from app.channels.web.formatting import Formatter
from app.platform import translations
from app.platform.languages import Lang
from app.scoring import Flag

RU, KK, EN = Formatter("ru"), Formatter("kk"), Formatter("en")


class TestNumber:
    @pytest.mark.parametrize(
        ("fmt", "value", "expected"),
        [
            (RU, 56.84, "56,8"),
            (KK, 65.5, "65,5"),
            (EN, 56.84, "56.8"),
            (RU, 57.0, "57"),
            (RU, None, "—"),
            (EN, 1234.56, "1,234.6"),
        ],
    )
    def test_locale_separator(self, fmt: Formatter, value: float | None, expected: str) -> None:
        assert fmt.number(value) == expected

    def test_the_same_rounding_everywhere(self) -> None:
        # Half-even on the decimal value, as Babel rounds: 0.25 -> 0.2, 0.35 -> 0.4.
        assert RU.number(0.25) == "0,2" and RU.number(0.35) == "0,4"
        assert RU.number(2.0234, 2) == "2,02"


class TestCompare:
    @pytest.mark.parametrize(
        ("fmt", "value", "limit", "relation", "expected"),
        [
            (RU, 56.84, 50.0, ">=", ("56,8", "50")),  # not "57 ≥ 50"
            (KK, 2.0234, 1.96, ">", ("2,02", "1,96")),  # not "2 > 2"
            (EN, 2.0234, 1.96, ">", ("2.02", "1.96")),
            (RU, 49.96, 50.0, ">=", ("49,96", "50")),  # 50,0 would read as "at the limit"
            (RU, 1.9601, 1.96, ">", ("1,9601", "1,96")),
            (RU, 3.5, 1.96, ">", ("3,5", "1,96")),
            (RU, 50.0, 50.0, ">=", ("50", "50")),
        ],
    )
    def test_precision_that_keeps_the_comparison_true(
        self,
        fmt: Formatter,
        value: float,
        limit: float,
        relation: str,
        expected: tuple[str, str],
    ) -> None:
        assert fmt.compare(value, limit, relation) == expected

    @given(st.floats(0, 100), st.sampled_from([50.0, 1.96, 33.3]))
    def test_written_figures_compare_as_the_raw_ones(self, value: float, limit: float) -> None:
        shown, shown_limit = EN.compare(value, limit, ">=")
        written = float(shown.replace(",", "")) >= float(shown_limit.replace(",", ""))
        # Up to 4 decimals: a value within 0.00005 of the limit may still read as equal.
        if abs(value - limit) >= 1e-4:
            assert written == (value >= limit)


class TestDates:
    def test_kazakh_date_and_month_year_first(self) -> None:
        assert KK.date(date(2026, 12, 5)) == "2026 жылғы 5 желтоқсан"
        assert KK.month("2026-12") == "2026 жылғы желтоқсан"
        assert KK.month("2026-03") == "2026 жылғы наурыз"  # lower case, as Kazakh writes it
        assert month_label("2026-10", "kk") == "2026 жылғы қазан"

    def test_russian_and_english(self) -> None:
        assert RU.month("2026-12") == "декабрь 2026"
        assert EN.month("2026-12") == "December 2026"
        assert RU.date(datetime(2026, 12, 4, 20, tzinfo=UTC)) == "5 декабря 2026"  # Almaty

    @pytest.mark.parametrize(
        ("fmt", "expected"),
        [
            (RU, "1–5 декабря 2026"),
            (KK, "2026 жылғы 1–5 желтоқсан"),
            (EN, "December 1–5, 2026"),
        ],
    )
    def test_day_range(self, fmt: Formatter, expected: str) -> None:
        assert fmt.day_range(date(2026, 12, 1), date(2026, 12, 5)) == expected


class TestFlagReason:
    FLAGS = (
        Flag(
            "problem_area",
            "-",
            (("p", 0.912), ("limit", 50.0), ("audited", 5), ("low", 51.26), ("high", 63.84)),
        ),
        Flag("cluster", "-", (("z", 3.0234), ("neighbours", 4), ("q", 0.1))),
        Flag("not_enough_data", "-", (("audited", 2), ("needed", 3))),
        Flag("stale", "-", (("days", 120), ("limit", 90))),
    )

    @pytest.mark.parametrize(
        ("lang_code", "expected"),
        [
            ("ru", ["51,3", "63,8", "50", "91", "3,02", "Проверено дворов: 2", "120"]),
            ("kk", ["51,3", "63,8", "50", "91", "3,02", "Тексерілген аулалар: 2", "120"]),
            ("en", ["51.3", "63.8", "50", "91%", "3.02", "2 audited yards", "120"]),
        ],
    )
    def test_in_each_language(self, lang_code: Lang, expected: list[str]) -> None:
        token = translations.current_lang.set(lang_code)
        try:
            text = " | ".join(Formatter(lang_code).flag_reason(f) for f in self.FLAGS)
        finally:
            translations.current_lang.reset(token)
        for part in expected:
            assert part in text
        assert "51–" not in text  # the interval keeps its decimal
        assert "neighbours" not in text or lang_code == "en"
        if lang_code != "en":
            # No English, no decimal point: the locale's comma.
            assert "audited" not in text and not re.search(r"\d\.\d", text)
