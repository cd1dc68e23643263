"""The applicant of an appeal, as typed into its download form: checked, then printed and
forgotten. Nothing here stores, logs or echoes the values anywhere but the page that holds
them (the form again, with what to correct) and the PDF itself.

ИИН (individual) and БИН (business) share one 12-digit format whose last digit is a check
digit: the weighted sum of the first 11 digits with weights 1..11, modulo 11; when that is
10, again with weights 3..11, 1, 2; when that too is 10 the number is not valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.platform.languages import LANGS, Lang
from app.platform.limits import control_character
from app.platform.translations import gettext

NAME_MAX = 200
ADDRESS_MAX = 300
EMAIL_MAX = 254
PHONE_MAX = 40
APPEAL_LANGS: tuple[Lang, ...] = ("ru", "kk", "en")

_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s()\-]+$")
FIELDS = ("body_id", "lang", "name", "iin", "address", "phone", "email")


def iin_check_digit(first11: str) -> int | None:
    """The check digit of an ИИН/БИН from its first 11 digits; None when none exists."""
    digits = [int(c) for c in first11]
    for weights in (_WEIGHTS_1, _WEIGHTS_2):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if rest != 10:
            return rest
    return None


def iin_valid(text: str) -> bool:
    """``text`` is 12 ASCII digits whose last is the check digit of the others."""
    if len(text) != 12 or not text.isascii() or not text.isdigit():
        return False
    return iin_check_digit(text[:11]) == int(text[11])


@dataclass(frozen=True)
class Applicant:
    """Who files the appeal (printed in it; never stored)."""

    name: str
    iin: str
    address: str
    phone: str
    email: str


@dataclass
class AppealForm:
    """The form's values as typed (kept for the page again) and what is wrong with them."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def applicant(self) -> Applicant:
        v = self.values
        return Applicant(v["name"], v["iin"], v["address"], v["phone"], v["email"])

    @property
    def lang(self) -> Lang:
        found = self.values.get("lang")
        return next((lang for lang in LANGS if lang == found), "ru")


def blank(*, body_id: str = "", lang: str = "ru") -> AppealForm:
    values = dict.fromkeys(FIELDS, "")
    values.update(body_id=body_id, lang=lang if lang in APPEAL_LANGS else "ru")
    return AppealForm(values)


def _clean(text: str) -> str:
    return " ".join(text.split())


def read(raw: Mapping[str, object], *, body_ids: set[str]) -> AppealForm:
    """The posted fields, whitespace runs made one, each checked (messages in the page's
    language): a body among ``body_ids``, a name, a valid ИИН/БИН, and the optional phone and
    e-mail well formed."""
    values = {
        name: _clean(value) if isinstance(value := raw.get(name), str) else "" for name in FIELDS
    }
    values["iin"] = values["iin"].replace(" ", "")
    form = AppealForm(values)
    errors = form.errors
    for name, value in values.items():
        if control_character(value) is not None:
            errors[name] = gettext("Remove the control character from this field.")
    if values["body_id"] not in body_ids:
        errors["body_id"] = gettext("Choose the body from the list.")
    if values["lang"] not in APPEAL_LANGS:
        errors["lang"] = gettext("Choose the language of the appeal.")
    if not values["name"]:
        errors["name"] = gettext(
            "Type your full name: state bodies do not consider anonymous appeals."
        )
    elif len(values["name"]) > NAME_MAX:
        errors["name"] = gettext("At most %(limit)s characters.", limit=NAME_MAX)
    iin = values["iin"]
    if not iin:
        errors["iin"] = gettext("Type your ИИН (or the БИН of your organisation).")
    elif len(iin) != 12 or not iin.isascii() or not iin.isdigit():
        errors["iin"] = gettext("An ИИН or БИН has 12 digits.")
    elif not iin_valid(iin):
        errors["iin"] = gettext(
            "This ИИН/БИН has a typo: its last digit does not match the others."
        )
    if len(values["address"]) > ADDRESS_MAX:
        errors["address"] = gettext("At most %(limit)s characters.", limit=ADDRESS_MAX)
    phone = values["phone"]
    if phone and (
        len(phone) > PHONE_MAX
        or not _PHONE_CHARS.match(phone)
        or not 10 <= sum(c.isdigit() for c in phone) <= 15
    ):
        errors["phone"] = gettext("Type the phone as digits, for example +7 701 234 56 78.")
    email = values["email"]
    if email and (len(email) > EMAIL_MAX or not _EMAIL.match(email)):
        errors["email"] = gettext("Type the e-mail as name@example.kz.")
    return form
