"""Property-based tests of POST /api/v1/submissions (app/submissions/schemas.py):
whatever JSON arrives, the answer is a stored submission (201/200) or a 422 that names what
is wrong, never a 500, and a 422 stores nothing."""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate
from tests.factories import submission_body

FIELDS = set(SubmissionCreate.model_fields) | {"lat", "lon", "accuracy_m", "body"}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50)
    | st.sampled_from(["", "yes", "no", "2026.1", "43.25", str(uuid.UUID(int=1))])
)
any_json = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)

PROPERTIES = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def stored(db: Database, submission_id: Any) -> int:
    try:
        key = uuid.UUID(str(submission_id))
    except ValueError:
        return 0
    with db.session() as session:
        return session.exec(select(func.count()).where(Submission.id == key)).one()


def send(client: TestClient, body: Any) -> Any:
    # allow_nan: JSON's NaN/Infinity tokens are what a careless client sends.
    text = json.dumps(body, allow_nan=True)
    return client.post(
        "/api/v1/submissions", content=text, headers={"Content-Type": "application/json"}
    )


def check_answer(response: Any, db: Database, body: Any) -> None:
    assert response.status_code in (200, 201, 409, 422), response.text[:500]
    if response.status_code != 422:
        return
    answer = response.json()
    assert answer["error"] in ("validation_error", "invalid") and answer["message"]
    named = {d.get("field") for d in answer["details"]} - {"", None}
    # A problem with the whole body (not an object, neither location nor yard) names the
    # fields in its message instead.
    assert named or any(field in answer["message"] for field in FIELDS), answer
    if isinstance(body, dict) and "id" in body:
        assert stored(db, body["id"]) == 0


class TestAnyJson:
    @given(body=any_json)
    @PROPERTIES
    def test_any_document(self, client: TestClient, db: Database, body: Any) -> None:
        check_answer(send(client, body), db, body)


class TestNearlyValid:
    """A valid submission with one field replaced by anything: the likely mistakes of a
    buggy or hostile client, which reach deeper validation than random documents do."""

    @given(
        field=st.sampled_from(
            [
                "checklist_version",
                "location",
                "yard_id",
                "address",
                "comment",
                "answers",
                "item_comments",
                "client_created_at",
                "lat",
                "lon",
                "accuracy_m",
                "an_answer",
            ]
        ),
        value=any_json,
    )
    @PROPERTIES
    def test_one_field_spoilt(
        self,
        client: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        field: str,
        value: Any,
    ) -> None:
        body = submission_body(registry.current)  # a yard of its own
        if field in ("lat", "lon", "accuracy_m"):
            body["location"][field] = value
        elif field == "an_answer":
            body["answers"][next(iter(body["answers"]))] = value
        else:
            body[field] = value
        response = send(client, body)
        check_answer(response, db, body)
        if response.status_code == 201:
            # Accepted: then it really is a submission the schema allows, stored once.
            SubmissionCreate.model_validate_json(json.dumps(body))
            assert stored(db, body["id"]) == 1
            location = body.get("location") or {}
            for key in ("lat", "lon"):
                if key in location:
                    assert math.isfinite(location[key])
