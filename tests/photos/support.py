"""Helpers for the photo tests: a stored submission with its upload token, and uploads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.photos import uploads
from app.photos.uploads import UploadTarget
from app.platform.config import Settings
from tests.factories import store_submission, submission_body

ITEM = "lighting.at_night"


@dataclass(frozen=True)
class Sent:
    id: uuid.UUID
    token: str
    body: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Upload-Token": self.token}


def send_submission(client: TestClient, registry: ChecklistRegistry, **overrides: Any) -> Sent:
    """POST a checklist (at a yard of its own unless told) and keep its token."""
    body = submission_body(registry.current, **overrides)
    response = client.post("/api/v1/submissions", json=body)
    assert response.status_code == 201, response.text
    return Sent(uuid.UUID(body["id"]), response.json()["photo_upload_token"], body)


def url(submission_id: uuid.UUID | str) -> str:
    return f"/api/v1/submissions/{submission_id}/photos"


def upload(
    client: TestClient,
    data: bytes,
    *,
    to: Sent,
    filename: str = "IMG_0001.jpg",
    content_type: str = "image/jpeg",
    item_id: str = ITEM,
    headers: dict[str, str] | None = None,
    token: str | None = "",
    **fields: str,
) -> httpx.Response:
    """Upload to ``to`` with its token (``token=None``: none; another string: that one)."""
    sent_headers = dict(headers or {})
    chosen = to.token if token == "" else token
    if chosen is not None:
        sent_headers["X-Upload-Token"] = chosen
    return client.post(
        url(to.id),
        data={"item_id": item_id, **fields},
        files={"file": (filename, data, content_type)},
        headers=sent_headers,
    )


def stored_submission(
    session: Session,
    *,
    registry: ChecklistRegistry,
    settings: Settings,
    role: str = "resident",
    received_at: datetime | None = None,
    **overrides: Any,
) -> uuid.UUID:
    """A submission stored in ``session`` (rolled back with it), at a yard of its own; its id."""
    received = store_submission(
        session,
        registry=registry,
        settings=settings,
        role=role,
        received_at=received_at,
        **overrides,
    )
    return received.submission.id


def target_of(
    session: Session, registry: ChecklistRegistry, submission_id: uuid.UUID
) -> UploadTarget:
    return uploads.load_target(session, submission_id=submission_id, registry=registry)
