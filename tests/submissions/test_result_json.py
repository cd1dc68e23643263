"""The submissions route's fast answer: ``result_json`` is ``result_of``'s JSON byte for byte,
and a valid body answered without FastAPI's parameter solving gets the answer FastAPI's
own handling gives."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import fastapi.routing
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.checklists.schema import NOT_APPLICABLE
from app.platform.i18n import _negotiate, negotiate_lang
from app.scoring import score_answers
from app.submissions import service
from tests.factories import new_location, submission_body


def some_answers(loaded: LoadedChecklist, role: str) -> st.SearchStrategy[dict[str, str]]:
    """Any subset of the role's items (scored or not), each at any of its answers."""
    choices = {
        item.id: [o.value for o in item.options] + ([NOT_APPLICABLE] if item.allow_na else [])
        for item in loaded.checklist.items()
        if role in item.roles
    }
    return st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in choices.items()})


class TestResultJson:
    @settings(max_examples=150)
    @given(data=st.data())
    def test_byte_for_byte_the_model_json(self, registry: ChecklistRegistry, data: Any) -> None:
        loaded = registry.current
        role = data.draw(st.sampled_from(["resident", "inspector"]))
        answers = data.draw(some_answers(loaded, role))
        lang = data.draw(st.sampled_from(["ru", "kk", "en"]))
        submission: Any = SimpleNamespace(
            id=uuid.uuid4(),
            checklist_version=loaded.version,
            role=role,
            answers=answers,
            yard_id=data.draw(st.integers(1, 10**9)),
            micro_district_id=data.draw(st.none() | st.just("almaly-3")),
            district_id="almaly",
            received_at=datetime.now(UTC),
        )
        token = data.draw(st.none() | st.just("tok.en-1"))
        expected = service.result_of(submission, registry=registry, lang=lang)
        expected.photo_upload_token = token
        for score in (None, score_answers(loaded.scoring, answers, role=role)):
            got = service.result_json(
                submission, registry=registry, lang=lang, score=score, photo_upload_token=token
            )
            assert got == expected.model_dump_json().encode()


class TestFastAnswer:
    def test_the_same_answer_without_fastapis_parameters(
        self, client: TestClient, registry: ChecklistRegistry, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        solved: list[object] = []
        solve = fastapi.routing.solve_dependencies

        async def counted(**kwargs: Any) -> Any:
            solved.append(kwargs["request"])
            return await solve(**kwargs)

        monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
        location = new_location()
        answers: dict[str, Any] = {}
        for content_type in ("application/json", "application/json; charset=utf-8"):
            body = submission_body(registry.current, location=location)
            response = client.post(
                "/api/v1/submissions",
                content=json.dumps(body).encode(),
                headers={"Content-Type": content_type, "Accept-Language": "kk"},
            )
            assert response.status_code == 201, response.text
            answers[content_type] = response
        fast, fastapis = answers["application/json"], answers["application/json; charset=utf-8"]
        assert len(solved) == 1  # only the second went through FastAPI's parameters
        assert fast.headers["content-type"] == fastapis.headers["content-type"]
        one, other = fast.json(), fastapis.json()
        for different in ("id", "received_at", "photo_upload_token"):
            assert one.pop(different) != other.pop(different)
        assert one == other
        assert one["sections"][0]["title"] != "Освещение"  # Kazakh, from Accept-Language

    def test_an_invalid_body_meets_fastapis_refusal(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        body = submission_body(registry.current, yard_id="7")
        response = client.post("/api/v1/submissions", json=body)
        assert response.status_code == 422
        assert "yard_id" in [d["field"] for d in response.json()["details"]]


class TestNegotiatedOnce:
    @pytest.mark.parametrize(
        "header", ["ru-RU,ru;q=0.9,en;q=0.8", "en-GB,en;q=0.9", "kk", "de, fr;q=0.5", ",", " "]
    )
    def test_the_kept_answer_is_the_negotiation(self, header: str) -> None:
        assert negotiate_lang(None, header) == negotiate_lang(None, header) == _negotiate(header)
        assert negotiate_lang("en", header) == "en"
        assert negotiate_lang("xx", header) == _negotiate(header)
