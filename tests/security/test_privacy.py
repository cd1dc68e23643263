"""What counts as personal data here (docs/SECURITY.md, "Privacy"), and where it must never go.

Personal: a staff member's name and email; a submission's free text (comment, item comments:
residents write phone numbers and flat numbers there); a submission's exact coordinates
(where a resident stood, often at their own door). None of it may appear in public pages,
public APIs or the exports, nor in the logs. A yard's own point (rounded to ~10 m) and its
address are the place audited, not a person, and are public.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from app.platform.security.privacy import without_query
from tests.accounts.support import logged_in
from tests.factories import answers_for, submission_body

# A point in Almaly with more decimals than any yard keeps.
RAW = {"lat": 43.2467381, "lon": 76.9271937, "accuracy_m": 6.0}
RAW_TEXTS = ["43.246738", "76.927193", "43.2467381", "76.9271937"]
CONTACT = "Call Ivan +7 701 555 12 34, ivan.secretov@example.kz"
ITEM_NOTE = "my flat 42 is right above the dark arch"
STAFF_NAME = "Zhanar Secretova"
STAFF_EMAIL = "zhanar.secretova@example.kz"


@pytest.fixture(scope="module")
def private_data(
    client: TestClient, db: Database, registry: ChecklistRegistry
) -> Iterator[dict[str, Any]]:
    """A resident's submission with contacts in its text, and an inspector's audit of the
    same yard by a named inspector."""
    body = submission_body(registry.current, location=dict(RAW), comment=CONTACT)
    item = next(iter(body["answers"]))
    body["item_comments"] = {item: ITEM_NOTE}
    created = client.post("/api/v1/submissions", json=body)
    assert created.status_code == 201, created.text
    result = created.json()

    from app.accounts import service as accounts_service
    from app.accounts.models import User

    with db.write_session() as session:
        if accounts_service.find_user(session, STAFF_EMAIL) is None:
            accounts_service.create_user(
                session,
                email=STAFF_EMAIL,
                name=STAFF_NAME,
                role=UserRole.inspector,
                password="correct horse battery",
                links=accounts_service.Links([], [], [], city_wide=True),
            )
    with db.session() as session:
        inspector_user = accounts_service.find_user(session, STAFF_EMAIL)
        assert isinstance(inspector_user, User)
    inspector = logged_in(client.app, inspector_user)
    audit = submission_body(
        registry.current,
        location=None,
        yard_id=result["yard_id"],
        comment=CONTACT,
        answers=answers_for(registry.current, role="inspector"),
    )
    audited = inspector.post("/api/v1/submissions", json=audit)
    assert audited.status_code == 201, audited.text
    yield {"submission": result, "audit": audited.json(), "inspector": inspector}


SECRETS = [CONTACT, "+7 701 555", "ivan.secretov", ITEM_NOTE, STAFF_NAME, STAFF_EMAIL]


def assert_private(text: str, where: str) -> None:
    for secret in [*SECRETS, *RAW_TEXTS]:
        assert secret not in text, f"{where} shows {secret!r}"


class TestPublicOutputs:
    def test_public_pages_and_apis(self, client: TestClient, private_data: dict[str, Any]) -> None:
        submission = private_data["submission"]
        audit = private_data["audit"]
        yard = submission["yard_id"]
        anonymous = TestClient(client.app)
        paths = [
            f"/api/v1/submissions/{submission['id']}",
            f"/api/v1/submissions/{audit['id']}",
            f"/api/v1/submissions/{submission['id']}/photos",
            f"/api/v1/yards/{yard}",
            f"/api/v1/yards?near={RAW['lat']},{RAW['lon']}",
            f"/result/{submission['id']}",
            f"/result/{audit['id']}",
            f"/yards/{yard}",
            "/yard/find",  # (with ?lat=&lon= it shows visitors their own point: not public)
            "/",
        ]
        for path in paths:
            response = anonymous.get(path)
            assert response.status_code == 200, (path, response.status_code)
            assert_private(response.text, path)

    def test_the_yard_point_is_rounded(
        self, client: TestClient, private_data: dict[str, Any]
    ) -> None:
        yard = client.get(f"/api/v1/yards/{private_data['submission']['yard_id']}").json()
        for key in ("lat", "lon"):
            assert abs(yard[key] - RAW[key]) < 0.0002  # the same place...
            assert round(yard[key], 4) == yard[key]  # ...to about 10 m, not to the metre

    def test_exports_and_staff_maps(self, client: TestClient, private_data: dict[str, Any]) -> None:
        """Even an inspector's downloads carry no personal data (they travel by email)."""
        inspector: TestClient = private_data["inspector"]
        paths = [
            "/api/v1/exports/areas.csv",
            "/api/v1/exports/yards.geojson",
            "/api/v1/micro-districts.geojson",
            "/api/v1/districts",
            "/api/v1/map/yards?bbox=76.80,43.15,77.05,43.35",
        ]
        for path in paths:
            response = inspector.get(path)
            assert response.status_code == 200, (path, response.text[:200])
            assert_private(response.text, path)


class TestLogs:
    def test_a_submission_and_a_lookup_log_no_coordinates(
        self,
        client: TestClient,
        registry: ChecklistRegistry,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        body = submission_body(registry.current, location=dict(RAW), comment=CONTACT)
        body["id"] = str(uuid.uuid4())
        with caplog.at_level(logging.DEBUG):
            assert client.post("/api/v1/submissions", json=body).status_code in (200, 201)
            client.get(f"/api/v1/yards?near={RAW['lat']},{RAW['lon']}")
            client.get(f"/checklist?lat={RAW['lat']}&lon={RAW['lon']}")
            client.post("/api/v1/submissions", json={**body, "location": {"lat": 91, "lon": 0}})
        assert caplog.records, "the requests were logged"
        for record in caplog.records:
            text = (
                record.getMessage()
                + " "
                + " ".join(
                    str(value) for key, value in vars(record).items() if key not in ("msg", "args")
                )
            )
            assert_private(text, f"log record of {record.name}")

    def test_uvicorn_access_log_carries_no_query(self, client: TestClient) -> None:
        """uvicorn's own access line is "client - "GET /path?query HTTP/1.1" status": with
        SafeYard's filter on it (or the logger off), the query never reaches a handler."""
        access = logging.getLogger("uvicorn.access")
        record = logging.LogRecord(
            "uvicorn.access",
            logging.INFO,
            __file__,
            1,
            '%s - "%s %s HTTP/%s" %d',
            (
                "203.0.113.5:5000",
                "GET",
                f"/api/v1/yards?near={RAW['lat']},{RAW['lon']}",
                "1.1",
                200,
            ),
            None,
        )
        kept = all(f.filter(record) for f in access.filters) and not access.disabled
        if kept:
            assert_private(record.getMessage(), "uvicorn.access")

    @pytest.mark.parametrize(
        ("path", "shown"),
        [
            ("/api/v1/yards?near=43.2,76.9", "/api/v1/yards"),
            ("/checklist", "/checklist"),
            ("/yard/find?lat=1&lon=2#x", "/yard/find"),
        ],
    )
    def test_without_query(self, path: str, shown: str) -> None:
        assert without_query(path) == shown
