"""The issue's list of bad input, case by case: each gets a clear error and nothing is stored.

| bad input                       | answer                       | where                   |
|---------------------------------|------------------------------|-------------------------|
| malformed JSON                  | 422 naming the body          | here (JSON_CASES)       |
| huge body (over max_body_bytes) | 413, before parsing          | here; tests/submissions |
| unknown fields                  | 422 naming the field         | here                    |
| a string of 1 MB                | 413 (the body limit)         | here                    |
| a string over its field's limit | 422 naming the field         | here                    |
| wrong types                     | 422 naming the field         | here                    |
| NaN, Infinity, out of range     | 422 naming location.lat/lon  | here                    |
| an id too big for the database  | 422 or 404, never a 500      | here                    |
| photos that are not images      | 415 not_an_image             | here; tests/photos      |
| decompression bombs             | 422 too_many_pixels          | here; tests/photos      |
| file names with path tricks     | stored under a server name   | here; tests/photos      |
| any JSON (property-based)       | stored or 422, never 500     | test_submission_prop... |
| control characters (NUL, ESC,   | 422 naming the field, on     | here (JSON_CASES,       |
| C1, lone surrogates) in text    | SQLite and PostgreSQL alike  | test_bad_input_text.py) |
| strings as numbers, bools, a    | 422 naming the field         | here; tests/submissions |
| key twice, a far-future date    |                              |                         |
| any of the above                | no log line holds the text,  | test_bad_input_text.py  |
|                                 | the coordinates or any bound |                         |
|                                 | parameter                    |                         |
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.checklists.loader import ChecklistRegistry
from app.photos import service as photos_service
from app.photos.models import Photo
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.models import Submission
from tests.factories import submission_body
from tests.photos.images import bomb_png, png

MB = 1024 * 1024


def stored(db: Database, submission_id: str) -> int:
    with db.session() as session:
        return session.exec(
            select(func.count()).where(Submission.id == uuid.UUID(submission_id))
        ).one()


def raw(body: dict[str, Any], **replace: str) -> bytes:
    """The body as JSON text, with some values swapped for raw JSON tokens (NaN...)."""
    text = json.dumps(body)
    for key, token in replace.items():
        marker = f'"@{key}@"'
        text = text.replace(marker, token)
    return text.encode()


# (id, how to spoil a valid body, expected status, a text the answer must contain)
JSON_CASES: list[tuple[str, Any, int, str]] = [
    ("malformed-json", lambda b: json.dumps(b).encode()[:-5], 422, "not valid JSON"),
    ("not-utf8", lambda b: b"\xff\xfe{}", 422, "body"),
    ("not-an-object", lambda b: b"[1, 2, 3]", 422, "body"),
    ("huge-body", lambda b: {**b, "comment": "x" * 300_000}, 413, "larger than"),
    ("string-of-1-mb", lambda b: {**b, "address": "A" * MB}, 413, "larger than"),
    ("comment-over-its-limit", lambda b: {**b, "comment": "x" * 2001}, 422, "comment"),
    ("address-over-its-limit", lambda b: {**b, "address": "x" * 301}, 422, "address"),
    ("unknown-field", lambda b: {**b, "is_admin": True}, 422, "is_admin"),
    (
        "unknown-field-in-location",
        lambda b: {**b, "location": {**b["location"], "alt": 900}},
        422,
        "location.alt",
    ),
    ("answers-as-list", lambda b: {**b, "answers": ["yes"]}, 422, "answers"),
    ("lat-as-text", lambda b: {**b, "location": {"lat": "north", "lon": 76.9}}, 422, "lat"),
    ("id-not-a-uuid", lambda b: {**b, "id": "1; DROP TABLE submission"}, 422, "id"),
    ("yard-id-as-text", lambda b: {**b, "yard_id": "seven"}, 422, "yard_id"),
    ("option-as-number", lambda b: {**b, "answers": {"lighting.at_night": 3}}, 422, "answers"),
    (
        "lat-nan",
        lambda b: raw({**b, "location": {"lat": "@v@", "lon": 76.9}}, v="NaN"),
        422,
        "location.lat",
    ),
    (
        "lon-infinity",
        lambda b: raw({**b, "location": {"lat": 43.2, "lon": "@v@"}}, v="Infinity"),
        422,
        "location.lon",
    ),
    ("lat-out-of-range", lambda b: {**b, "location": {"lat": 90.5, "lon": 76.9}}, 422, "lat"),
    ("lon-out-of-range", lambda b: {**b, "location": {"lat": 43.2, "lon": -181}}, 422, "lon"),
    (
        "accuracy-negative",
        lambda b: {**b, "location": {**b["location"], "accuracy_m": -1}},
        422,
        "accuracy_m",
    ),
    ("outside-almaty", lambda b: {**b, "location": {"lat": 0.0, "lon": 0.0}}, 422, "outside"),
    (
        "yard-id-beyond-integer",
        lambda b: {**b, "location": None, "yard_id": 2**63},
        422,
        "yard_id",
    ),
    (
        "too-many-answers",
        lambda b: {**b, "answers": {f"i{n}": "x" for n in range(201)}},
        422,
        "answers",
    ),
    # PostgreSQL cannot store NUL (it answered 500); the other controls are refused alike.
    ("nul-in-comment", lambda b: {**b, "comment": "dark\x00arch"}, 422, "comment"),
    ("nul-in-address", lambda b: {**b, "address": "Abaya 1\x00"}, 422, "address"),
    (
        "nul-in-item-comment",
        lambda b: {**b, "item_comments": {next(iter(b["answers"])): "\x00"}},
        422,
        "item_comments",
    ),
    (
        "nul-in-answer-key",
        lambda b: {**b, "answers": {**b["answers"], "lighting\x00": "yes"}},
        422,
        "answers",
    ),
    ("escape-in-address", lambda b: {**b, "address": "\x1b[2JAbaya 1"}, 422, "address"),
    ("newline-in-address", lambda b: {**b, "address": "Abaya 1\nflat 5"}, 422, "address"),
    ("c1-control-in-comment", lambda b: {**b, "comment": "a\x85b"}, 422, "comment"),
    ("bell-in-comment", lambda b: {**b, "comment": "a\x07b"}, 422, "comment"),
    (
        "lone-surrogate-in-comment",
        lambda b: raw({**b, "comment": "@c@"}, c='"half \\ud800 a pair"'),
        422,
        "comment",
    ),
    ("lat-as-string", lambda b: {**b, "location": {"lat": "43.25", "lon": 76.9}}, 422, "lat"),
    ("yard-id-as-bool", lambda b: {**b, "location": None, "yard_id": True}, 422, "yard_id"),
    (
        "accuracy-as-bool",
        lambda b: {**b, "location": {**b["location"], "accuracy_m": True}},
        422,
        "accuracy_m",
    ),
    ("version-as-number", lambda b: {**b, "checklist_version": 2026.1}, 422, "checklist_version"),
    ("id-version-1", lambda b: {**b, "id": str(uuid.uuid1())}, 422, "id"),
    (
        "created-at-year-9999",
        lambda b: {**b, "client_created_at": "9999-12-31T00:00:00Z"},
        422,
        "client_created_at",
    ),
    (
        "duplicate-key-nested",
        lambda b: json.dumps(b).replace('"lat": ', '"lat": 43.2, "lat": ', 1).encode(),
        422,
        "location.lat",
    ),
]


class TestSubmissionBody:
    @pytest.mark.parametrize(
        ("spoil", "status", "needle"),
        [case[1:] for case in JSON_CASES],
        ids=[case[0] for case in JSON_CASES],
    )
    def test_clear_error_and_nothing_stored(
        self,
        client: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        spoil: Any,
        status: int,
        needle: str,
    ) -> None:
        body = submission_body(registry.current)
        spoilt = spoil(body)
        if isinstance(spoilt, bytes):
            response = client.post(
                "/api/v1/submissions",
                content=spoilt,
                headers={"Content-Type": "application/json"},
            )
        else:
            response = client.post("/api/v1/submissions", json=spoilt)
        assert response.status_code == status, response.text[:500]
        answer = response.json()
        assert set(answer) == {"error", "message", "details"}
        assert needle in response.text, answer
        assert stored(db, body["id"]) == 0


class TestIdsInUrls:
    @pytest.mark.parametrize(
        ("path", "statuses"),
        [
            ("/api/v1/yards/99999999999999999999", {422}),
            ("/api/v1/yards/2147483648", {422}),
            ("/yards/99999999999999999999", {404}),
            ("/yards/²", {404}),
            ("/checklist?yard_id=99999999999999999999", {200, 422}),
        ],
    )
    def test_never_a_server_error(self, client: TestClient, path: str, statuses: set[int]) -> None:
        assert client.get(path).status_code in statuses


def photo_upload(client: TestClient, data: bytes, filename: str) -> Any:
    """Upload to a stored submission of its own, with its token (as the phone's queue does)."""
    from app.checklists.loader import load_registry
    from app.platform.config import PROJECT_ROOT

    loaded = load_registry(PROJECT_ROOT / "app" / "checklists" / "data").current
    body = submission_body(loaded)
    created = client.post("/api/v1/submissions", json=body)
    assert created.status_code == 201, created.text
    return client.post(
        f"/api/v1/submissions/{body['id']}/photos",
        data={"item_id": "lighting.at_night"},
        files={"file": (filename, data, "image/jpeg")},
        headers={"X-Upload-Token": created.json()["photo_upload_token"]},
    )


def photo_files(settings: Settings) -> set[Path]:
    root = photos_service.photos_dir(settings)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


class TestPhotos:
    def test_not_an_image(self, client: TestClient, settings: Settings) -> None:
        before = photo_files(settings)
        response = photo_upload(client, b"#!/bin/sh\nrm -rf /\n", "holiday.jpg")
        assert response.status_code == 415
        assert response.json()["error"] == "not_an_image"
        assert photo_files(settings) == before

    def test_decompression_bomb(self, client: TestClient, settings: Settings) -> None:
        before = photo_files(settings)
        response = photo_upload(client, bomb_png(), "small.png")
        assert response.status_code == 422
        assert response.json()["error"] == "too_many_pixels"
        assert photo_files(settings) == before

    @pytest.mark.parametrize(
        "filename",
        ["../../../../etc/passwd", "..\\..\\win.ini", "/etc/cron.d/x.jpg", "a\x00b.jpg", "."],
    )
    def test_path_tricks_in_the_file_name(
        self, client: TestClient, db: Database, settings: Settings, filename: str
    ) -> None:
        before = photo_files(settings)
        response = photo_upload(client, png((64, 48)), filename)
        assert response.status_code == 201, response.text
        new = photo_files(settings) - before
        root = photos_service.photos_dir(settings).resolve()
        assert new and all(p.resolve().is_relative_to(root) for p in new)
        assert not any("passwd" in p.name or "win" in p.name or "cron" in p.name for p in new)
        with db.session() as session:
            photo = session.get(Photo, uuid.UUID(response.json()["id"]))
        assert photo is not None and ".." not in photo.stored_name
