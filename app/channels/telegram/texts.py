"""Texts and keyboards in the chat's language (the same Babel catalogs as the pages:
app/platform/translations/<lang>/LC_MESSAGES/telegram.po).

Keyboards are the Bot API's JSON as plain dicts, not aiogram's pydantic types: they go into
the webhook's response or a JSON post as they are, with nothing to validate or dump per
update (a third of the bot's own CPU per button press, measured: docs/PERFORMANCE.md).
"""

from __future__ import annotations

from html import escape
from typing import Any

from app.platform.languages import LANGS, Lang
from app.platform.translations import DEFAULT_LANG, current_lang, translations


def N_(message: str) -> str:  # noqa: N802 - pybabel's marker for a message translated later
    return message


LANGUAGE_PROMPT = N_("Choose your language to start the yard safety checklist.")
LANGUAGE_NAMES: dict[Lang, str] = {"ru": "Русский", "kk": "Қазақша", "en": "English"}


def lang_of(value: str | None) -> Lang:
    for lang in LANGS:
        if value == lang:
            return lang
    return DEFAULT_LANG


def _(message: str, **variables: object) -> str:
    """``message`` in the chat's language (``current_lang``, set for each update); variables
    are HTML-escaped (messages go with parse_mode HTML). Extracted by pybabel as ``_``."""
    text = translations(current_lang.get()).gettext(message)
    if variables:
        text = text % {k: escape(str(v)) for k, v in variables.items()}
    return text


# A reply markup or one of its buttons, as the Bot API's JSON.
Markup = dict[str, Any]
# Takes the location keyboard (a reply keyboard) away.
REMOVE_KEYBOARD: Markup = {"remove_keyboard": True}


def button(text: str, data: str) -> Markup:
    return {"text": text, "callback_data": data}


def inline(rows: list[list[Markup]]) -> Markup:
    return {"inline_keyboard": rows}


def language_keyboard(payload: str = "") -> Markup:
    """The three languages; ``payload`` (a deep link's ``yard_<id>``) rides along in the
    button, so nothing is stored for a chat that has not chosen yet."""
    suffix = f":{payload}" if payload else ""
    return inline([[button(LANGUAGE_NAMES[lang], f"l:{lang}{suffix}")] for lang in LANGS])


def language_prompt() -> str:
    # Before a language is chosen the prompt is in all three.
    return "\n".join(translations(lang).gettext(LANGUAGE_PROMPT) for lang in LANGS)


def location_keyboard(lang: Lang) -> Markup:
    return {
        "keyboard": [[{"text": _("📍 Share my location"), "request_location": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
