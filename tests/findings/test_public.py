"""What residents see of a yard's findings: the yard's page and ``GET /api/v1/yards/{id}``
show its confirmed findings, with no personal data and no ids (``app.findings.public``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import UserRole
from app.bodies.models import BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.models import Finding
from app.findings.public import VERIFIED_SHOWN_DAYS, public_findings
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.factories import create_user, new_location, store_submission
from tests.findings.support import FAIL, LIGHT, PASS, YardStory, admin_actor, own_bodies_only
from tests.findings_factories import link_cooperative, new_body

KEYS = {
    "item_id",
    "label",
    "state",
    "body",
    "opened_on",
    "sent_on",
    "fix_reported_on",
    "verified_on",
    "verified_how",
    "deadline_on",
    "overdue",
}
SECRET_NOTE = "Ключ у Айгуль из кв. 12"
REFERENCE = "ЖТ-777-SECRET"


@pytest.fixture(scope="module")
def yards(db: Database, registry: ChecklistRegistry, settings: Settings) -> dict[str, int]:
    """Committed yards: one with a confirmed finding sent and fixed (a note and a photo kept
    from the public), one with only an unconfirmed finding."""
    admin = create_user(db, role=UserRole.admin)
    assert admin.id is not None
    with db.write_session() as session:
        # The yard's own cooperative: routing's first step, whatever bodies other tests made.
        body = new_body(
            session,
            kind=BodyKind.cooperative,
            items=[LIGHT],
            item_deadlines={LIGHT: 7},
            name="КСК «Самал»",
        )
        body.name_en = "Samal cooperative"
        body.name_kk = "«Самал» ПИК"
        session.add(body)
        where = new_location()
        first = store_submission(
            session, registry=registry, settings=settings, location=where, answers=PASS
        )
        link_cooperative(session, yard_id=first.submission.yard_id, body_id=body.id)
        ids = []
        for role in ("resident", "inspector"):
            received = store_submission(
                session,
                registry=registry,
                settings=settings,
                role=role,
                location=where,
                answers=FAIL,
            )
            ids.append(received.submission.id)
        yard_id = received.submission.yard_id
        finding = session.exec(select(Finding).where(Finding.yard_id == yard_id)).one()
        actor = admin_actor(admin.id)
        actions.mark_sent(
            session,
            actor=actor,
            finding_id=finding.id or 0,
            reference=REFERENCE,
            default_deadline_days=30,
        )
        actions.report_fix(
            session,
            actor=actor,
            finding_id=finding.id or 0,
            fixed_on=utcnow().date(),
            note=SECRET_NOTE,
            photo="after-secret.jpg",
        )
        lone = store_submission(
            session, registry=registry, settings=settings, role="resident", answers=FAIL
        )
    return {
        "fixed": yard_id,
        "lone": lone.submission.yard_id,
        "submission": str(ids[0]),
        "lone_submission": str(lone.submission.id),
    }


@pytest.fixture
def own_bodies(session: Session) -> None:
    own_bodies_only(session)


class TestApi:
    def test_confirmed_findings_with_exactly_the_public_keys(
        self, client: TestClient, yards: dict[str, int]
    ) -> None:
        response = client.get(f"/api/v1/yards/{yards['fixed']}")
        assert response.status_code == 200
        findings = response.json()["findings"]
        assert len(findings) == 1
        (found,) = findings
        assert set(found) == KEYS
        assert set(found["body"]) == {"id", "name", "kind"}
        assert found["item_id"] == LIGHT and found["state"] == "fix_reported"
        assert found["body"]["name"] == "КСК «Самал»" and found["body"]["kind"] == "cooperative"
        assert found["sent_on"] and found["fix_reported_on"] and found["deadline_on"]
        assert found["overdue"] is False and found["verified_on"] is None
        text = response.text
        for secret in (SECRET_NOTE, REFERENCE, "after-secret", yards["submission"]):
            assert str(secret) not in text

    def test_unconfirmed_findings_are_not_shown(
        self, client: TestClient, yards: dict[str, int]
    ) -> None:
        assert client.get(f"/api/v1/yards/{yards['lone']}").json()["findings"] == []

    @pytest.mark.parametrize(
        ("lang", "body_name"), [("kk", "«Самал» ПИК"), ("en", "Samal cooperative")]
    )
    def test_labels_in_the_asked_language(
        self,
        client: TestClient,
        yards: dict[str, int],
        registry: ChecklistRegistry,
        lang: str,
        body_name: str,
    ) -> None:
        (found,) = client.get(f"/api/v1/yards/{yards['fixed']}?lang={lang}").json()["findings"]
        assert found["label"] == registry.current.items_by_id[LIGHT].question.get(lang)  # type: ignore[arg-type]
        assert found["body"]["name"] == body_name

    def test_the_openapi_schema_documents_the_field(self, client: TestClient) -> None:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
        field = schemas["YardDetail"]["properties"]["findings"]
        assert "confirmed findings" in field["description"]
        assert set(schemas["FindingPublic"]["properties"]) == KEYS


class TestPages:
    def test_the_yard_page_says_what_is_being_done(
        self, client: TestClient, yards: dict[str, int]
    ) -> None:
        ru = client.get(f"/yards/{yards['fixed']}?lang=ru").text
        assert "Что делается" in ru and "Сообщено об исправлении" in ru
        assert SECRET_NOTE not in ru and REFERENCE not in ru
        en = client.get(f"/yards/{yards['fixed']}?lang=en").text
        assert "What is being done" in en and "waiting for a check" in en
        kk = client.get(f"/yards/{yards['fixed']}?lang=kk").text
        assert "Не істеліп жатыр" in kk

    def test_nothing_when_there_are_none(self, client: TestClient, yards: dict[str, int]) -> None:
        assert "being-done" not in client.get(f"/yards/{yards['lone']}?lang=en").text

    def test_the_result_links_to_the_yards_page(
        self, client: TestClient, yards: dict[str, int]
    ) -> None:
        page = client.get(f"/result/{yards['lone_submission']}?lang=en").text
        assert f'href="/yards/{yards["lone"]}#being-done"' in page
        assert "What is being done about this yard" in page


@pytest.mark.usefixtures("own_bodies")
class TestQuery:
    def test_states_words_deadlines_and_the_90_days(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        new_body(session, items=[LIGHT], item_deadlines={LIGHT: 7})
        story = YardStory(session, registry=registry, settings=settings)
        story.send("inspector", FAIL)
        assert story.yard_id is not None

        def shown(days: int) -> list[tuple[str, bool]]:
            found = public_findings(
                session,
                yard_id=story.yard_id or 0,
                registry=registry,
                lang="en",
                now=story.now + timedelta(days=days),
            )
            return [(f.state, f.overdue) for f in found]

        assert shown(1) == [("open", False)]
        assert shown(8) == [("open", True)]
        story.send("inspector", PASS)
        assert shown(VERIFIED_SHOWN_DAYS - 1) == [("verified", False)]
        assert shown(VERIFIED_SHOWN_DAYS + 1) == []

    def test_newest_activity_first(
        self, session: Session, registry: ChecklistRegistry, settings: Settings, db: Database
    ) -> None:
        story = YardStory(session, registry=registry, settings=settings)
        story.send("inspector", {LIGHT: "no", "access.entrance_doors": "none"})
        story.send("inspector", {LIGHT: "no", "access.entrance_doors": "all"})
        found = public_findings(session, yard_id=story.yard_id or 0, registry=registry, lang="ru")
        assert [f.item_id for f in found] == ["access.entrance_doors", LIGHT]
        assert found[0].state == "verified" and found[0].verified_how == "audit_without_fix"
