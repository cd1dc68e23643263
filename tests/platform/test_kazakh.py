"""Kazakh endings after numbers follow how the number is read aloud (app/platform/kazakh.py).

The expected forms are written out by hand from the spoken numbers, not computed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.platform.kazakh import integer_last_word, last_word, suffix, with_suffix

# number: (ablative, genitive, dative, locative, possessive), each as said aloud.
FORMS = {
    "0": ("ден", "дің", "ге", "де", "і"),  # нөл
    "1": ("ден", "дің", "ге", "де", "і"),  # бір
    "2": ("ден", "нің", "ге", "де", "сі"),  # екі
    "3": ("тен", "тің", "ке", "те", "і"),  # үш
    "4": ("тен", "тің", "ке", "те", "і"),  # төрт
    "5": ("тен", "тің", "ке", "те", "і"),  # бес
    "6": ("дан", "ның", "ға", "да", "сы"),  # алты
    "7": ("ден", "нің", "ге", "де", "сі"),  # жеті
    "8": ("ден", "дің", "ге", "де", "і"),  # сегіз
    "9": ("дан", "дың", "ға", "да", "ы"),  # тоғыз
    "10": ("нан", "ның", "ға", "да", "ы"),  # он
    "20": ("дан", "ның", "ға", "да", "сы"),  # жиырма
    "30": ("дан", "дың", "ға", "да", "ы"),  # отыз
    "40": ("тан", "тың", "қа", "та", "ы"),  # қырық
    "50": ("ден", "дің", "ге", "де", "і"),  # елу: the final у takes consonant endings
    "60": ("тан", "тың", "қа", "та", "ы"),  # алпыс
    "70": ("тен", "тің", "ке", "те", "і"),  # жетпіс
    "80": ("нен", "нің", "ге", "де", "і"),  # сексен
    "90": ("нан", "ның", "ға", "да", "ы"),  # тоқсан
    "100": ("ден", "дің", "ге", "де", "і"),  # жүз
    "1000": ("нан", "ның", "ға", "да", "ы"),  # мың
    "1000000": ("нан", "ның", "ға", "да", "ы"),  # миллион
    "1000000000": ("тан", "тың", "қа", "та", "ы"),  # миллиард, its д said as т
    "11": ("ден", "дің", "ге", "де", "і"),  # он бір
    "12": ("ден", "нің", "ге", "де", "сі"),  # он екі
    "15": ("тен", "тің", "ке", "те", "і"),  # он бес
    "25": ("тен", "тің", "ке", "те", "і"),  # жиырма бес
    "36": ("дан", "ның", "ға", "да", "сы"),  # отыз алты
    "75": ("тен", "тің", "ке", "те", "і"),  # жетпіс бес
    "120": ("дан", "ның", "ға", "да", "сы"),  # жүз жиырма
    "300": ("ден", "дің", "ге", "де", "і"),  # үш жүз
    "2000": ("нан", "ның", "ға", "да", "ы"),  # екі мың
    "2500": ("ден", "дің", "ге", "де", "і"),  # екі мың бес жүз
    "2026": ("дан", "ның", "ға", "да", "сы"),  # екі мың жиырма алты
    "10 000": ("нан", "ның", "ға", "да", "ы"),  # он мың, with a thousands space
    "1\u00a0000\u00a0000": ("нан", "ның", "ға", "да", "ы"),  # no-break spaces (Babel)
    "300000": ("нан", "ның", "ға", "да", "ы"),  # үш жүз мың
    "2,5": ("тен", "тің", "ке", "те", "і"),  # екі бүтін оннан бес
    "56,8": ("ден", "дің", "ге", "де", "і"),  # елу алты бүтін оннан сегіз
    "0.25": ("тен", "тің", "ке", "те", "і"),  # нөл бүтін жүзден жиырма бес
    "1,10": ("нан", "ның", "ға", "да", "ы"),  # бір бүтін жүзден он
    "60%": ("дан", "дың", "ға", "да", "ы"),  # алпыс пайыз
    "100 %": ("дан", "дың", "ға", "да", "ы"),  # жүз пайыз
}


class TestWithSuffix:
    @pytest.mark.parametrize("number", sorted(FORMS))
    def test_each_case(self, number: str) -> None:
        abl, gen, dat, loc, poss = FORMS[number]
        assert with_suffix(number, "abl") == f"{number}-{abl}"
        assert with_suffix(number, "gen") == f"{number}-{gen}"
        assert with_suffix(number, "dat") == f"{number}-{dat}"
        assert with_suffix(number, "loc") == f"{number}-{loc}"
        assert with_suffix(number, "poss") == f"{number}-{poss}"

    def test_the_review_cases(self) -> None:
        # KAZAKH.md: a fixed "-тен" is wrong for 10, 20, 30; "%-ның" is wrong for percents.
        assert [with_suffix(n, "abl") for n in ("5", "10", "20", "30")] == [
            "5-тен",
            "10-нан",
            "20-дан",
            "30-дан",
        ]
        assert with_suffix("40%", "poss_gen") == "40%-ының"
        assert with_suffix("92%", "poss") == "92%-ы"

    @pytest.mark.parametrize(
        ("number", "accusative", "poss_gen"),
        [("2", "ні", "сінің"), ("10", "ды", "ының"), ("3", "ті", "інің"), ("50", "ді", "інің")],
    )
    def test_accusative_and_possessive_genitive(
        self, number: str, accusative: str, poss_gen: str
    ) -> None:
        assert suffix(number, "acc") == accusative
        assert suffix(number, "poss_gen") == poss_gen

    @pytest.mark.parametrize("text", ["", "abc", "12a", "1,2,3", "%"])
    def test_not_a_number(self, text: str) -> None:
        with pytest.raises(ValueError, match="not a number"):
            with_suffix(text, "abl")


class TestLastWord:
    @pytest.mark.parametrize(
        ("n", "word"),
        [
            (0, "нөл"),
            (7, "жеті"),
            (40, "қырық"),
            (99, "тоғыз"),
            (100, "жүз"),
            (110, "он"),
            (700, "жүз"),
            (1000, "мың"),
            (1100, "жүз"),
            (21000, "мың"),
            (5_000_000, "миллион"),
            (5_000_100, "жүз"),
            (3_000_000_000, "миллиард"),
        ],
    )
    def test_integer(self, n: int, word: str) -> None:
        assert integer_last_word(n) == word

    def test_fraction_and_percent(self) -> None:
        assert last_word("65,5") == "бес"
        assert last_word("39,30") == "отыз"
        assert last_word("12%") == "пайыз"

    @given(st.integers(min_value=1, max_value=10**11))
    def test_only_the_last_non_zero_place_matters(self, n: int) -> None:
        # Appending a round higher part does not change the ending: 5, 105, 3005 all end "бес".
        assert integer_last_word(n) == integer_last_word(n + 10**12)
        assert with_suffix(str(n), "abl").startswith(f"{n}-")
