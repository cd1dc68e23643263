"""Interface translations: Babel message catalogs (``<lang>/LC_MESSAGES/*.po``).

Each language's catalog is ``messages.po`` plus one file per area of the product (for
example ``reports.po``), merged; an id defined twice is an error. The catalogs are compiled
in memory when first needed, so there is no build step and the ``.po`` files in the
repository are the only source of truth.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.platform.languages import LANGS, Lang

CATALOGS = Path(__file__).resolve().parent
DEFAULT_LANG: Lang = "ru"

# The language of the page being rendered (set per request by the pages' dependency).
current_lang: ContextVar[Lang] = ContextVar("current_lang", default=DEFAULT_LANG)


def catalog_files(lang: str) -> list[Path]:
    """``messages.po`` first, then the others by name."""
    folder = CATALOGS / lang / "LC_MESSAGES"
    return sorted(folder.glob("*.po"), key=lambda p: (p.name != "messages.po", p.name))


def read_catalog(lang: str) -> Catalog | None:
    """All of ``lang``'s ``.po`` files as one catalog (None when the language has none)."""
    files = catalog_files(lang)
    if not files:
        return None
    with files[0].open("rb") as source:
        catalog = read_po(source, locale=lang)
    for path in files[1:]:
        with path.open("rb") as source:
            for message in read_po(source, locale=lang):
                if not message.id:
                    continue
                if message.id in catalog:
                    raise ValueError(f"{path}: {message.id!r} is already in another catalog")
                catalog[message.id] = message
    return catalog


@cache
def translations(lang: Lang) -> NullTranslations:
    """The compiled catalog of ``lang`` (English message ids pass through untranslated)."""
    catalog = read_catalog(lang)
    if catalog is None:
        return NullTranslations()
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
