"""The bodies' messages are read in English here (pages set their own language per request)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.platform.translations import current_lang


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    token = current_lang.set("en")
    try:
        yield
    finally:
        current_lang.reset(token)
