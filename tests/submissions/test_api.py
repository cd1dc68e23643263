"""POST /api/v1/submissions: scoring, idempotency, validation; on the real database."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from app.submissions.models import Submission
from app.yards.models import Yard
from tests.factories import answers_for, new_location, submission_body


def stored_count(db: Database, submission_id: str) -> int:
    with db.session() as session:
        return session.exec(
            select(func.count()).where(Submission.id == uuid.UUID(submission_id))
        ).one()


class TestCreateSubmission:
    def test_worst_answers_score_100_with_explanation(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        body = submission_body(registry.current)
        response = client.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text
        result = response.json()
        assert result["risk_index"] == 100
        assert result["band"] == "critical"
        assert result["district_id"] == "almaly"
        assert result["micro_district_id"]
        assert len(result["top_factors"]) >= 3
        factor = result["top_factors"][0]
        assert factor["remedy"] and factor["responsible"] and factor["question"]
        steps = result["fix_plan"]["steps"]
        assert len(steps) == 3
        assert steps[0]["index_after"] >= steps[1]["index_after"] >= steps[2]["index_after"]
        assert steps[2]["index_after"] < result["risk_index"]
        assert {s["id"] for s in result["sections"]} >= {"lighting", "parking", "access"}

    def test_best_answers_score_0(self, client: TestClient, registry: ChecklistRegistry) -> None:
        body = submission_body(
            registry.current,
            answers=answers_for(registry.current, pick="best"),
        )
        result = client.post("/api/v1/submissions", json=body).json()
        assert result["risk_index"] == 0
        assert result["band"] == "low"
        assert result["top_factors"] == []

    def test_texts_follow_the_language(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        body = submission_body(registry.current)
        kk = client.post("/api/v1/submissions?lang=kk", json=body).json()
        en = client.post("/api/v1/submissions?lang=en", json=body).json()
        assert kk["id"] == en["id"] and kk["risk_index"] == en["risk_index"]
        assert kk["top_factors"][0]["remedy"] != en["top_factors"][0]["remedy"]
        assert any(
            ch in kk["top_factors"][0]["remedy"] + kk["sections"][0]["title"] for ch in "әғқңөұүһі"
        )

    def test_accept_language_and_a_bad_lang(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        # The route reads its language without a dependency: the same rules as LangDep.
        body = submission_body(registry.current)
        en = client.post("/api/v1/submissions?lang=en", json=body).json()
        by_header = client.post(
            "/api/v1/submissions", json=body, headers={"Accept-Language": "en-GB,en;q=0.9"}
        )
        assert by_header.status_code == 200  # the same id again: a replay
        assert by_header.json()["top_factors"][0]["remedy"] == en["top_factors"][0]["remedy"]
        other = submission_body(registry.current)
        refused = client.post("/api/v1/submissions?lang=de", json=other)
        assert refused.status_code == 422
        assert refused.json()["details"][0]["field"].endswith("lang")

    def test_feeling_is_echoed_not_scored(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        loaded = registry.current
        feel = next(i for i in loaded.checklist.items() if not i.scored)
        answers = answers_for(loaded, pick="best")
        here = new_location()
        base = client.post(
            "/api/v1/submissions",
            json=submission_body(loaded, location=here, answers=answers),
        ).json()
        with_feeling = client.post(
            "/api/v1/submissions",
            json=submission_body(
                loaded,
                location=here,
                answers={**answers, feel.id: feel.options[-1].value},
            ),
        ).json()
        assert with_feeling["risk_index"] == base["risk_index"]
        assert with_feeling["perception"][0]["item_id"] == feel.id


class TestIdempotency:
    def test_same_body_again_is_200_with_the_same_answer(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        body = submission_body(registry.current)
        first = client.post("/api/v1/submissions", json=body)
        again = client.post("/api/v1/submissions", json=body)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert stored_count(db, body["id"]) == 1

    def test_same_id_different_body_is_409(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        body = submission_body(registry.current)
        assert client.post("/api/v1/submissions", json=body).status_code == 201
        changed = {**body, "answers": answers_for(registry.current, pick="best")}
        response = client.post("/api/v1/submissions", json=changed)
        assert response.status_code == 409
        assert body["id"] in response.json()["message"]
        with db.session() as session:
            stored = session.get(Submission, uuid.UUID(body["id"]))
            assert stored is not None and stored.risk_index == 100

    def test_concurrent_repeats_store_one_row(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        body = submission_body(registry.current)
        with ThreadPoolExecutor(16) as pool:
            responses = list(
                pool.map(lambda _: client.post("/api/v1/submissions", json=body), range(32))
            )
        codes = sorted(r.status_code for r in responses)
        assert codes.count(201) == 1 and codes.count(200) == 31
        assert len({r.json()["id"] for r in responses}) == 1
        assert stored_count(db, body["id"]) == 1
        yard_id = responses[0].json()["yard_id"]
        with db.session() as session:
            yard = session.get(Yard, yard_id)
            assert yard is not None and yard.submission_count == 1

    def test_two_submissions_same_new_yard_at_once_both_count(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        here = new_location()
        bodies = [submission_body(registry.current, location=here) for _ in range(2)]
        with ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(lambda b: client.post("/api/v1/submissions", json=b), bodies))
        assert [r.status_code for r in responses] == [201, 201]
        yard_ids = {r.json()["yard_id"] for r in responses}
        with db.session() as session:
            counts = sum(session.get(Yard, y).submission_count for y in yard_ids)  # type: ignore[union-attr]
        assert counts == 2


class TestValidation:
    @pytest.mark.parametrize(
        ("change", "needle"),
        [
            (lambda b, i: b["answers"].update({i: "no-such-option"}), "{item}"),
            (lambda b, i: b["answers"].update({"no.such_item": "yes"}), "no.such_item"),
            (lambda b, i: b.update(checklist_version="1999.1"), "1999.1"),
            (lambda b, i: b.update(location={"lat": 51.13, "lon": 71.43}), "outside"),
            (lambda b, i: b.update(answers={}), "answer at least one"),
            (lambda b, i: b.update(location={"lat": 91, "lon": 76.9}), "location.lat"),
            (lambda b, i: b.update(location=None), "location"),
            (lambda b, i: b.update(surprise=1), "surprise"),
            (lambda b, i: b.update(yard_id=10**9, location=None), "does not exist"),
        ],
        ids=[
            "unknown-option",
            "unknown-item",
            "wrong-version",
            "astana",
            "no-answers",
            "lat-out-of-range",
            "no-location",
            "unknown-field",
            "no-such-yard",
        ],
    )
    def test_bad_input_is_422_naming_the_problem_and_stores_nothing(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, change, needle
    ) -> None:
        body = submission_body(registry.current)
        first_item = next(iter(body["answers"]))
        change(body, first_item)
        response = client.post("/api/v1/submissions", json=body)
        assert response.status_code == 422, response.text
        assert needle.format(item=first_item) in response.text
        assert response.json()["message"]
        assert stored_count(db, body["id"]) == 0

    def test_inspector_only_item_is_refused_for_residents(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        loaded = registry.current
        inspector_only = next(
            i for i in loaded.checklist.items() if i.scored and "resident" not in i.roles
        )
        body = submission_body(loaded)
        body["answers"][inspector_only.id] = inspector_only.options[0].value
        response = client.post("/api/v1/submissions", json=body)
        assert response.status_code == 422
        assert inspector_only.id in response.text

    def test_malformed_json_is_422(self, client: TestClient) -> None:
        response = client.post(
            "/api/v1/submissions",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert response.json()["error"] == "validation_error"

    def test_read_back(self, client: TestClient, registry: ChecklistRegistry) -> None:
        body = submission_body(registry.current)
        created = client.post("/api/v1/submissions", json=body).json()
        assert created.pop("photo_upload_token")  # for the sender's photos: POST answers only
        read = client.get(f"/api/v1/submissions/{body['id']}")
        assert read.status_code == 200
        read_back = read.json()
        assert read_back.pop("photo_upload_token", None) is None
        assert read_back == created
        assert client.get(f"/api/v1/submissions/{uuid.uuid4()}").status_code == 404


class TestLimits:
    def test_a_huge_body_is_413_and_stores_nothing(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        body = submission_body(registry.current, comment="x" * 1_000_000)
        response = client.post("/api/v1/submissions", json=body)
        assert response.status_code == 413
        assert "KB" in response.json()["message"]
        assert stored_count(db, body["id"]) == 0
