"""The offence files' problems are read in English here (the command speaks English too)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.platform.translations import current_lang


@pytest.fixture
def english() -> Iterator[None]:
    token = current_lang.set("en")
    try:
        yield
    finally:
        current_lang.reset(token)
