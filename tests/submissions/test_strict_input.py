"""POST /api/v1/submissions reads its body strictly: a key given twice, a string where a number
belongs (or a bool anywhere but a bool), an id that is not a random UUID and a device time out
of any sane window are each a 422 naming the field, and nothing is stored."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from app.platform.limits import DuplicateKey, loads_unique
from app.submissions.schemas import CLIENT_CLOCK_SKEW, EARLIEST_CLIENT_TIME
from tests.factories import submission_body
from tests.submissions.test_api import stored_count


def post_raw(client: TestClient, text: str) -> Any:
    return client.post(
        "/api/v1/submissions", content=text.encode(), headers={"Content-Type": "application/json"}
    )


def assert_refused(response: Any, field: str, kind: str | None = None) -> None:
    assert response.status_code == 422, response.text
    details = response.json()["details"]
    assert field in [d["field"] for d in details], details
    if kind is not None:
        assert kind in [d["type"] for d in details], details


class TestDuplicateKeys:
    def test_the_parser_names_the_path_at_any_depth(self) -> None:
        assert loads_unique('{"a": {"b": [1, {"c": 2}]}}') == {"a": {"b": [1, {"c": 2}]}}
        for text, path in [
            ('{"a": 1, "a": 2}', ("a",)),
            ('{"x": {"lat": 1, "lat": 1}}', ("x", "lat")),
            ('{"x": [{}, {"k": 1, "k": 2}]}', ("x", 1, "k")),
        ]:
            with pytest.raises(DuplicateKey) as raised:
                loads_unique(text)
            assert raised.value.path == path

    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"])
    def test_bytes_are_read_as_json_loads_reads_them(self, encoding: str) -> None:
        data = '{"a": [1, {"b": "\u0416\u00e9"}], "c": null}'.encode(encoding)
        assert loads_unique(data) == json.loads(data)
        assert loads_unique(bytearray(data)) == json.loads(data)
        with pytest.raises(DuplicateKey):
            loads_unique('{"k": 1, "k": 2}'.encode(encoding))

    @pytest.mark.parametrize("data", [b'{"a": "\xff"}', b'{"a": ', b"", "\ufeff{}"])
    def test_what_json_loads_refuses_is_refused(self, data: bytes | str) -> None:
        with pytest.raises(ValueError) as expected:
            json.loads(data)
        with pytest.raises(type(expected.value)):
            loads_unique(data)

    @pytest.mark.parametrize(
        ("key", "field"),
        [('"id": ', "id"), ('"lat": ', "location.lat"), ('"answers": ', "answers")],
    )
    def test_a_key_twice_is_refused_naming_it(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, key: str, field: str
    ) -> None:
        body = submission_body(registry.current)
        text = json.dumps(body)
        # The same key again in front of the first: last-wins parsing would store the body.
        value = json.dumps(body[field] if "." not in field else body["location"]["lat"])
        assert key in text
        spoilt = text.replace(key, f"{key}{value}, {key}", 1)
        assert_refused(post_raw(client, spoilt), field, "duplicate_key")
        assert "twice" in post_raw(client, spoilt).json()["message"]
        assert stored_count(db, body["id"]) == 0

    def test_a_key_twice_inside_the_answers(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        body = submission_body(registry.current)
        item, value = next(iter(body["answers"].items()))
        text = json.dumps(body).replace(f'"{item}": ', f'"{item}": "{value}", "{item}": ', 1)
        assert_refused(post_raw(client, text), f"answers.{item}", "duplicate_key")
        assert stored_count(db, body["id"]) == 0

    def test_malformed_json_is_still_reported_as_such(self, client: TestClient) -> None:
        response = post_raw(client, '{"id": ')
        assert response.status_code == 422
        assert response.json()["details"][0]["type"] == "json_invalid"

    @pytest.mark.parametrize(
        ("data", "says"),
        [
            (b'{"comment": "caf\xe9"}', """not UTF-8 text: byte 0xe9) after '{"comment": "caf'"""),
            (b'\xef\xbb\xbf{"a": "\xff"}', """not UTF-8 text: byte 0xff) after '{"a": "'"""),
            (b"\xff" + b"{}", "not UTF-8 text: byte 0xff) at its start"),
            (
                '{"a": 1}'.encode("utf-16-le")[:-1],
                """not UTF-16-LE text: byte 0x7d) after '{"a": 1'""",
            ),
        ],
    )
    def test_a_body_that_is_not_text_names_the_byte(
        self, client: TestClient, data: bytes, says: str
    ) -> None:
        # FastAPI's own answer was 400 "There was an error parsing the body".
        response = client.post(
            "/api/v1/submissions", content=data, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, response.text
        detail = response.json()["details"][0]
        assert detail["type"] == "json_invalid" and detail["field"] == "body"
        assert detail["message"] == f"not valid JSON ({says}", response.text


STRICT_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("lat as a string", {"location": {"lat": "43.25", "lon": 76.92}}, "location.lat"),
    ("lon as a bool", {"location": {"lat": 43.25, "lon": True}}, "location.lon"),
    (
        "accuracy as a string",
        {"location": {"lat": 43.25, "lon": 76.92, "accuracy_m": "8"}},
        "location.accuracy_m",
    ),
    ("yard id as a string", {"location": None, "yard_id": "1"}, "yard_id"),
    ("yard id as a float", {"location": None, "yard_id": 1.0}, "yard_id"),
    ("version as a number", {"checklist_version": 2026}, "checklist_version"),
    ("address as a number", {"address": 42}, "address"),
    ("comment as a bool", {"comment": False}, "comment"),
    ("time as a number", {"client_created_at": 1764900000}, "client_created_at"),
    ("time without a zone", {"client_created_at": "2026-12-01T10:00:00"}, "client_created_at"),
]


class TestStrictTypes:
    @pytest.mark.parametrize(
        ("change", "field"), [c[1:] for c in STRICT_CASES], ids=[c[0] for c in STRICT_CASES]
    )
    def test_refused_naming_the_field(
        self,
        client: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        change: dict[str, Any],
        field: str,
    ) -> None:
        body = {**submission_body(registry.current), **change}
        assert_refused(client.post("/api/v1/submissions", json=body), field)
        assert stored_count(db, body["id"]) == 0

    def test_an_integer_is_a_number_of_degrees(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        body = submission_body(
            registry.current, location={"lat": 43.2460, "lon": 77, "accuracy_m": 8}
        )
        assert client.post("/api/v1/submissions", json=body).status_code == 201


class TestSubmissionId:
    @pytest.mark.parametrize(
        "make",
        [uuid.uuid1, lambda: uuid.uuid5(uuid.NAMESPACE_URL, "x"), lambda: uuid.UUID(int=1)],
        ids=["v1", "v5", "nil-ish"],
    )
    def test_only_a_version_4_uuid(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, make: Any
    ) -> None:
        body = submission_body(registry.current, id=str(make()))
        assert_refused(client.post("/api/v1/submissions", json=body), "id", "uuid_version")
        assert stored_count(db, body["id"]) == 0


class TestClientTime:
    @pytest.mark.parametrize(
        "when",
        [
            lambda: "9999-12-31T00:00:00Z",
            # Computed when the test runs: the suite may start minutes after collection.
            lambda: (datetime.now(UTC) + CLIENT_CLOCK_SKEW + timedelta(minutes=5)).isoformat(),
            lambda: (EARLIEST_CLIENT_TIME - timedelta(seconds=1)).isoformat(),
            lambda: "0001-01-01T00:00:00Z",
        ],
        ids=["year-9999", "just-past-the-skew", "before-the-lower-bound", "year-1"],
    )
    def test_outside_the_window_is_refused(
        self,
        client: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        when: Callable[[], str],
    ) -> None:
        body = submission_body(registry.current, client_created_at=when())
        assert_refused(client.post("/api/v1/submissions", json=body), "client_created_at")
        assert stored_count(db, body["id"]) == 0

    @pytest.mark.parametrize(
        "when",
        [
            EARLIEST_CLIENT_TIME.isoformat(),
            (datetime.now(UTC) + CLIENT_CLOCK_SKEW - timedelta(minutes=5)).isoformat(),
            # A phone in Almaty time (UTC+5) a little ahead: the same instant rules.
            (datetime.now(UTC) + timedelta(minutes=10)).astimezone().isoformat(),
        ],
        ids=["the-lower-bound", "within-the-skew", "local-time-with-offset"],
    )
    def test_inside_the_window_is_stored(
        self, client: TestClient, registry: ChecklistRegistry, when: str
    ) -> None:
        body = submission_body(registry.current, client_created_at=when)
        assert client.post("/api/v1/submissions", json=body).status_code == 201
