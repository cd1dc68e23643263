"""Fixtures of the page tests: the test client without a language cookie, and one yard
checked through the no-JavaScript flow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.pages.support import fill_from, pages_point, send

# A few answers as a resident gives them: one critical item failed, the night question.
ANSWERS = {
    "lighting.at_night": "no",
    "sightlines.bushes": "many",
    "access.basements": "open",
    "social.feel_safe_night": "rather_unsafe",
}


@dataclass(frozen=True)
class Checked:
    result_url: str
    submission_id: str
    yard_id: int
    point: dict[str, str]  # where it was checked, as the form sent it


@pytest.fixture
def web(client: TestClient) -> Iterator[TestClient]:
    """The shared client with no language cookie before or after the test."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


@pytest.fixture(scope="session")
def checked(client: TestClient) -> Checked:
    """A yard at a point of its own, checked once through the form, with an address."""
    point = pages_point()
    fields = fill_from(
        client, "address=ул.+Тимирязева+42&" + "&".join(f"{k}={v}" for k, v in point.items())
    )
    response = send(client, fields, ANSWERS)
    assert response.status_code == 303, response.text
    url = response.headers["location"]
    yard_link = client.get(url).text.split('href="/yards/', 1)[1].split('"', 1)[0].split("#")[0]
    return Checked(url, fields["id"], int(yard_link), point)
