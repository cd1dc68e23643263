"""The report's language for a block of code: reports are gathered and rendered in the
language they were asked in, also outside a request (the benchmark, tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.platform import translations
from app.platform.languages import Lang


@contextmanager
def language(lang: Lang) -> Iterator[None]:
    token = translations.current_lang.set(lang)
    try:
        yield
    finally:
        translations.current_lang.reset(token)
