"""Helpers for the page tests: points of their own, and sending the checklist form as a
browser without JavaScript does (multipart POST, no redirects followed)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.platform.db import Database
from app.submissions.models import Submission
from tests.factories import new_location
from tests.pages.markup import parse

# Kazakh letters that Russian does not have: a page in Kazakh shows some of them.
KAZAKH_LETTERS = "әғқңөұүһі"
HIDDEN = ("id", "checklist_version", "yard_id", "lat", "lon", "accuracy_m", "address")


def pages_point() -> dict[str, str]:
    """A new point in Bostandyk (a yard of its own), as a form's text fields carry it."""
    where = new_location("bostandyk")
    return {"lat": f"{where['lat']:.5f}", "lon": f"{where['lon']:.5f}", "accuracy_m": "8"}


def get(client: TestClient, url: str, lang: str = "ru") -> httpx.Response:
    """A page in ``lang`` (by Accept-Language, so no language cookie is left behind)."""
    return client.get(url, headers={"Accept-Language": lang})


def form_fields(html: str) -> dict[str, str]:
    """The checklist form's hidden and location inputs as the page rendered them."""
    page = parse(html)
    fields = {}
    for name in HIDDEN:
        values = page.values(name)
        fields[name] = values[0] or "" if values else ""
    return fields


def send(
    client: TestClient,
    fields: dict[str, str],
    answers: dict[str, str],
    *,
    comments: dict[str, str] | None = None,
    comment: str = "",
    photos: dict[str, tuple[str, bytes, str]] | None = None,
    lang: str = "ru",
) -> httpx.Response:
    data: dict[str, Any] = dict(fields)
    data.update({f"answer.{k}": v for k, v in answers.items()})
    data.update({f"comment.{k}": v for k, v in (comments or {}).items()})
    data["comment"] = comment
    # A browser sends every file input, the empty ones with no file name.
    files = {f"photo.{k}": v for k, v in (photos or {}).items()} or {
        "photo.lighting.at_night": ("", b"", "application/octet-stream")
    }
    return client.post(
        "/checklist",
        data=data,
        files=files,
        headers={"Accept-Language": lang},
        follow_redirects=False,
    )


def fill_from(client: TestClient, query: str, lang: str = "ru") -> dict[str, str]:
    """Open /checklist?<query> and return its form's fields, as a resident's browser would."""
    response = get(client, f"/checklist?{query}", lang)
    assert response.status_code == 200, response.text
    return form_fields(response.text)


def stored_count(db: Database, submission_id: str) -> int:
    with db.session() as session:
        return session.exec(
            select(func.count()).where(Submission.id == uuid.UUID(submission_id))
        ).one()


def stored(db: Database, submission_id: str) -> Submission:
    with db.session() as session:
        found = session.get(Submission, uuid.UUID(submission_id))
        assert found is not None
        return found


def each_page_url(result_url: str, yard_id: int) -> Iterator[str]:
    yield "/"
    yield "/yard/find"
    yield "/yard/find?q=abc"
    yield "/yard/find?lat=43.2050&lon=76.8900&accuracy_m=80"
    yield "/checklist"
    yield "/checklist?lat=43.2050&lon=76.8900"
    yield f"/checklist?yard_id={yard_id}"
    yield result_url
    yield f"/yards/{yard_id}"
