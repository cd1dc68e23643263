"""Interface translations: Babel message catalogs (``<lang>/LC_MESSAGES/messages.po``).

The catalogs are compiled in memory when first needed, so there is no build step and the
``.po`` files in the repository are the only source of truth.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.checklists.schema import LANGS, Lang

CATALOGS = Path(__file__).resolve().parent
DEFAULT_LANG: Lang = "ru"

# The language of the page being rendered (set per request by the pages' dependency).
current_lang: ContextVar[Lang] = ContextVar("current_lang", default=DEFAULT_LANG)


@cache
def translations(lang: Lang) -> NullTranslations:
    """The compiled catalog of ``lang`` (English message ids pass through untranslated)."""
    path = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def raw_gettext(message: str) -> str:
    """The translation, unformatted (Jinja's newstyle gettext formats it itself)."""
    return translations(current_lang.get()).gettext(message)


def raw_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_lang.get()).ngettext(singular, plural, n)


def gettext(message: str, **variables: object) -> str:
    text = translations(current_lang.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(current_lang.get()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def available() -> tuple[Lang, ...]:
    return LANGS
