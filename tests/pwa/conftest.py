"""The PWA tests ask for pages in several languages; ?lang= sets the language cookie, which the
session-wide client would otherwise carry into other tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(autouse=True)
def no_language_cookie(client: TestClient) -> Iterator[None]:
    client.cookies.clear()
    yield
    client.cookies.clear()
