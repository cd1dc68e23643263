"""The access log never keeps a working submission id, nor most of one: the result page reads
an id however its hyphens are placed (``uuid.UUID`` drops them all), and a link cut short by a
character or two is answered 422 yet would leave all but a few bits of the key in the log."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from fastapi.testclient import TestClient

from app.checklists.loader import ChecklistRegistry
from app.platform.observability.logging import JsonFormatter
from app.platform.observability.middleware import without_capabilities
from tests.factories import submission_body

FORMAT = JsonFormatter()
KEY = "3f2b8c1e6a4d4e5f9a7b0c1d2e3f4a5b"


@pytest.mark.parametrize(
    "spelled",
    [
        "-".join(KEY),  # a hyphen after every digit: still the same UUID to uuid.UUID
        KEY[:12] + "-" + KEY[12:],
        KEY[:31],  # one digit cut off: 16 guesses from the key
        str(uuid.UUID(KEY))[:34],
        KEY.upper()[:30],
    ],
)
def test_any_long_run_of_a_key_is_masked(spelled: str) -> None:
    masked = without_capabilities(f"/result/{spelled}/report.pdf")
    assert masked == "/result/{uuid}/report.pdf"


@pytest.mark.parametrize("kept", ["/api/v1/micro-districts/8820e60ac9fffff", "/yards/12345"])
def test_short_ids_stay(kept: str) -> None:
    assert without_capabilities(kept) == kept


def test_a_result_opened_with_scattered_hyphens_leaves_no_key_in_the_log(
    client: TestClient, registry: ChecklistRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    body = submission_body(registry.current)
    assert client.post("/api/v1/submissions", json=body).status_code == 201
    key = uuid.UUID(body["id"]).hex
    with caplog.at_level(logging.INFO):
        opened = client.get("/result/" + "-".join(key))
        cut = client.get("/result/" + key[:31])
    assert opened.status_code == 200 and cut.status_code == 422
    logged = "\n".join(FORMAT.format(r) for r in caplog.records)
    assert key[:20] not in logged.replace("-", "")
    paths = [json.loads(FORMAT.format(r)).get("path") for r in caplog.records]
    assert paths.count("/result/{uuid}") == 2
