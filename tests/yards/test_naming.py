"""A yard's public name: the label every surface shows, and the checks on what staff type."""

from __future__ import annotations

import pytest

from app.platform import translations
from app.platform.errors import Invalid
from app.yards import naming


class TestPublicLabel:
    @pytest.mark.parametrize(
        ("lang", "expected"),
        [
            ("ru", "Двор № 7, Алмалинский район, микрорайон 8820e60a25fffff"),
            ("kk", "№ 7 аула, Алмалы ауданы, 8820e60a25fffff шағын ауданы"),
            ("en", "Yard no. 7, Almaly district, micro-district 8820e60a25fffff"),
        ],
    )
    def test_number_district_and_micro_district_until_named(self, lang: str, expected: str) -> None:
        district = {"ru": "Алмалинский район", "kk": "Алмалы ауданы", "en": "Almaly district"}
        token = translations.current_lang.set(lang)  # type: ignore[arg-type]
        try:
            label = naming.public_label(
                yard_id=7,
                public_name=None,
                district_name=district[lang],
                micro_district_id="8820e60a25fffff",
            )
        finally:
            translations.current_lang.reset(token)
        assert label == expected

    def test_the_areas_human_name_not_its_code(self) -> None:
        label = naming.public_label(
            yard_id=7,
            public_name=None,
            district_name="Алмалы ауданы",
            micro_district_id="8820e60a25fffff",
            area_name="≈ Алтай-1 ш/а · Майлина көш. · Алмалы ауданы",
        )
        # The area's name ends with its district: not said twice, and no code.
        assert label.endswith(", ≈ Алтай-1 ш/а · Майлина көш. · Алмалы ауданы")
        assert "8820e60a25fffff" not in label and label.count("Алмалы ауданы") == 1

    def test_the_staff_name_comes_first(self) -> None:
        label = naming.public_label(
            yard_id=7,
            public_name="Абая 10–14",
            district_name="Алмалинский район",
            micro_district_id=None,
        )
        assert label == "Абая 10–14, Алмалинский район"


class TestCleanPublicName:
    def test_whitespace_runs_become_one_space(self) -> None:
        assert naming.clean_public_name("  Абая   10 ") == "Абая 10"

    def test_joiners_that_phones_type_are_kept(self) -> None:
        assert naming.clean_public_name("Абай\u200cкөшесі") == "Абай\u200cкөшесі"

    @pytest.mark.parametrize(
        ("text", "field_message"),
        [
            ("", "empty"),
            (" \u3000 ", "empty"),
            ("x" * (naming.PUBLIC_NAME_MAX + 1), "too long"),
            ("a\x00b", "control characters"),
            ("a\tb", "control characters"),
            ("a\rb", "control characters"),
            ("a\x85b", "control characters"),
            ("a\u202eb", "control characters"),
            ("a\u2067b", "control characters"),
            ("a\ud800b", "control characters"),
        ],
    )
    def test_refused_naming_the_field(self, text: str, field_message: str) -> None:
        with pytest.raises(Invalid) as refused:
            naming.clean_public_name(text)
        assert refused.value.status_code == 422
        assert refused.value.details == [{"field": "public_name", "message": field_message}]
