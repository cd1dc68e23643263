"""Kazakh case endings after numbers written in digits: "10-нан", "5-ке", "60%-ы".

A Kazakh ending follows how the number is read aloud: its last pronounced word decides
the vowel (back а/ы or front е/і) and the first sound of the ending (after a vowel, a
voiced or a voiceless consonant, or м/н/ң). 10 is read "он", so "10-нан"; 20 is
"жиырма", so "20-дан"; 1000 is "мың", so "1000-нан"; 2,5 is "екі бүтін оннан бес", so
"2,5-тен"; 60% is "алпыс пайыз", so "60%-ы". Pure: no I/O, no app imports.
"""

from __future__ import annotations

import re
from typing import Literal

Case = Literal["abl", "gen", "dat", "loc", "acc", "poss", "poss_gen"]

# The last word of a number read aloud, by the place of its last non-zero digit.
_UNITS = ("нөл", "бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз")
_TENS = ("", "он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан")
# For a round number: the first period it is not a multiple of names its last word
# (300 is "үш жүз", 2000 "екі мың", 3 000 000 "үш миллион").
_SCALES = ((10**3, "жүз"), (10**6, "мың"), (10**9, "миллион"))

_BACK = set("аоұыя")
_FRONT = set("әөүіеэи")
_VOICELESS = set("пфкқтсшщхцчһ")
_NASAL = set("мнң")
# A final у is a consonant for endings ("елу": "елудің", "елуі", like "су": "судың", "суы").
# д and б at the end of a word are said voiceless ("миллиард" ends in a т sound).
_DEVOICED = {"д": "т", "б": "п", "г": "к"}

# (back, front) forms by the kind of the last sound: vowel, voiced, nasal, voiceless.
_ENDINGS: dict[str, dict[str, tuple[str, str]]] = {
    "abl": {
        "vowel": ("дан", "ден"),
        "voiced": ("дан", "ден"),
        "nasal": ("нан", "нен"),
        "voiceless": ("тан", "тен"),
    },
    "gen": {
        "vowel": ("ның", "нің"),
        "voiced": ("дың", "дің"),
        "nasal": ("ның", "нің"),
        "voiceless": ("тың", "тің"),
    },
    "dat": {
        "vowel": ("ға", "ге"),
        "voiced": ("ға", "ге"),
        "nasal": ("ға", "ге"),
        "voiceless": ("қа", "ке"),
    },
    "loc": {
        "vowel": ("да", "де"),
        "voiced": ("да", "де"),
        "nasal": ("да", "де"),
        "voiceless": ("та", "те"),
    },
    "acc": {
        "vowel": ("ны", "ні"),
        "voiced": ("ды", "ді"),
        "nasal": ("ды", "ді"),
        "voiceless": ("ты", "ті"),
    },
    "poss": {
        "vowel": ("сы", "сі"),
        "voiced": ("ы", "і"),
        "nasal": ("ы", "і"),
        "voiceless": ("ы", "і"),
    },
    "poss_gen": {
        "vowel": ("сының", "сінің"),
        "voiced": ("ының", "інің"),
        "nasal": ("ының", "інің"),
        "voiceless": ("ының", "інің"),
    },
}

_NUMBER = re.compile(r"^[-−+]?(\d[\d\s\u00a0\u202f]*)(?:[.,](\d+))?\s*(%?)$")


def integer_last_word(n: int) -> str:
    """The last word of a whole number read in Kazakh: 15 -> "бес", 40 -> "қырық",
    300 -> "жүз", 2000 -> "мың", 0 -> "нөл"."""
    n = abs(n)
    if n == 0:
        return _UNITS[0]
    if n % 10:
        return _UNITS[n % 10]
    if n % 100:
        return _TENS[n % 100 // 10]
    for period, word in _SCALES:
        if n % period:
            return word
    return "миллиард"


def last_word(number_text: str) -> str:
    """The last word of a number as written in the interface ("1 000", "56,8", "92%")."""
    match = _NUMBER.match(number_text.strip())
    if match is None:
        raise ValueError(f"not a number: {number_text!r}")
    whole, fraction, percent = match.groups()
    if percent:
        return "пайыз"
    if fraction:
        # "2,5" is read "екі бүтін оннан бес": the fraction's digits, as a whole number.
        return integer_last_word(int(fraction))
    return integer_last_word(int(re.sub(r"\D", "", whole)))


def _sound(word: str) -> tuple[bool, str]:
    """(is the word front-vowelled, the kind of its last sound)."""
    vowels = [c for c in word if c in _BACK or c in _FRONT]
    front = bool(vowels) and vowels[-1] in _FRONT
    last = _DEVOICED.get(word[-1], word[-1])
    if last in _BACK or last in _FRONT:
        kind = "vowel"
    elif last in _NASAL:
        kind = "nasal"
    elif last in _VOICELESS:
        kind = "voiceless"
    else:
        kind = "voiced"
    return front, kind


def suffix(number_text: str, case: Case) -> str:
    """The ending alone: suffix("10", "abl") -> "нан"."""
    front, kind = _sound(last_word(number_text))
    back_form, front_form = _ENDINGS[case][kind]
    return front_form if front else back_form


def with_suffix(number_text: str, case: Case) -> str:
    """The number with its ending after a hyphen: with_suffix("10", "abl") -> "10-нан",
    with_suffix("60%", "poss") -> "60%-ы"; raises ValueError for text that is not a number."""
    return f"{number_text}-{suffix(number_text, case)}"
