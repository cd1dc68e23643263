"""A resident's problem report: placed as a checklist is, routed by section, unconfirmed in the
inspector's queue until accepted, stored once per client id; accept and reject."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import Body, BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import report_actions, reports
from app.findings.models import Finding, FindingEvent, FindingState, ProblemReport, YardFindings
from app.findings.permissions import Actor
from app.findings.public import public_findings
from app.findings.queue import QueueFilters, queue
from app.intake.reports import submit_report
from app.outbox.models import OutboxMessage
from app.photos.errors import PhotoRejected
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.errors import Invalid, NotPermitted
from app.yards.models import Yard
from tests.factories import area_index, create_user, create_yard, new_location
from tests.findings_factories import new_body

DISTRICT = "medeu"
TEXT = "The lamp over entrance 3 has been dark for a week"


@pytest.fixture(scope="module")
def inspector(db: Database) -> User:
    return create_user(
        db, role=UserRole.inspector, links=accounts_service.Links([DISTRICT], [], [])
    )


@pytest.fixture(scope="module")
def outsider(db: Database) -> User:
    return create_user(
        db, role=UserRole.inspector, links=accounts_service.Links(["bostandyk"], [], [])
    )


def actor_of(session: Session, user: User) -> Actor:
    return Actor.of(session, user=user, scope=Scope.of(session, user))


def send(
    session: Session,
    registry: ChecklistRegistry,
    settings: Settings,
    *,
    location: dict[str, float] | None = None,
    **overrides: object,
) -> ProblemReport:
    where = location or new_location(DISTRICT)
    values: dict[str, object] = {
        "client_id": str(uuid.uuid4()),
        "channel": "telegram",
        "section_id": "lighting",
        "text": TEXT,
        "latitude": where["lat"],
        "longitude": where["lon"],
        "photo": None,
    }
    values.update(overrides)
    return submit_report(
        session,
        registry=registry,
        areas=area_index(),
        settings=settings,
        **values,  # type: ignore[arg-type]
    )


def finding_of(session: Session, report: ProblemReport) -> Finding:
    finding = session.get(Finding, report.finding_id)
    assert finding is not None
    session.refresh(finding)
    return finding


class TestSubmit:
    def test_a_new_yard_an_open_unconfirmed_report_finding(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        report = send(session, registry, settings)
        finding = finding_of(session, report)
        yard = session.get(Yard, finding.yard_id)
        assert yard is not None and yard.district_id == DISTRICT
        assert (finding.kind, finding.state, finding.confirmed) == ("report", "open", False)
        assert finding.deadline_at is None
        assert report.text == TEXT and report.section_id == "lighting"
        events = session.exec(
            select(FindingEvent).where(FindingEvent.finding_id == finding.id)
        ).all()
        assert [(e.action, e.actor, e.to_state) for e in events] == [
            ("reported", "resident", "open")
        ]
        row = session.get(YardFindings, finding.yard_id)
        assert row is not None and row.unconfirmed == 1 and row.active == 0

    def test_placed_at_the_yard_nearby_as_the_intake_does(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = create_yard(session, district=DISTRICT)
        near = {"lat": yard.lat + 0.0001, "lon": yard.lon}  # ~11 m, inside the match radius
        report = send(session, registry, settings, location=near)
        assert finding_of(session, report).yard_id == yard.id

    def test_a_repeated_send_returns_the_same_report(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        client_id = str(uuid.uuid4())
        first = send(session, registry, settings, client_id=client_id)
        again = send(session, registry, settings, client_id=client_id, text="something else here")
        assert again.id == first.id and again.text == TEXT
        count = session.exec(
            select(ProblemReport).where(ProblemReport.client_id == client_id)
        ).all()
        assert len(count) == 1

    def test_two_reports_at_one_yard_are_two_findings(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        where = new_location(DISTRICT)
        one = send(session, registry, settings, location=where)
        two = send(session, registry, settings, location=where)
        assert one.finding_id != two.finding_id
        assert finding_of(session, one).yard_id == finding_of(session, two).yard_id

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"text": "dark"}, "text"),
            ({"text": "x" * (reports.TEXT_MAX + 1)}, "text"),
            ({"section_id": "no-such-section"}, "section_id"),
            ({"channel": "fax"}, "channel"),
            ({"client_id": ""}, "client_id"),
        ],
    )
    def test_refused_with_what_to_correct(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        overrides: dict[str, object],
        field: str,
    ) -> None:
        before = session.exec(select(ProblemReport.id)).all()
        with pytest.raises(Invalid) as caught:
            send(session, registry, settings, **overrides)
        assert caught.value.details[0]["field"] == field
        assert session.exec(select(ProblemReport.id)).all() == before

    def test_outside_almaty_the_intakes_message(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        with pytest.raises(Invalid) as caught:
            send(session, registry, settings, location={"lat": 51.128, "lon": 71.430})  # Astana
        assert caught.value.details == [{"field": "location", "message": "outside Almaty"}]
        assert "Almaty" in caught.value.message

    def test_a_photo_is_stored_re_encoded(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        report = send(session, registry, settings, photo=_jpeg())
        assert report.photo is not None
        stored = reports.report_photo_path(settings, report.photo)
        assert stored.read_bytes()[:2] == b"\xff\xd8"

    def test_a_file_that_is_no_picture_stores_nothing(
        self, session: Session, registry: ChecklistRegistry, settings: Settings, tmp_path: Path
    ) -> None:
        client_id = str(uuid.uuid4())
        with pytest.raises(PhotoRejected):
            send(session, registry, settings, client_id=client_id, photo=b"not a picture")
        assert reports.find_report(session, client_id=client_id) is None


class TestSectionRouting:
    """Every other body is set inactive in the test's (rolled-back) transaction."""

    @pytest.fixture(autouse=True)
    def _only_these_bodies(self, session: Session) -> None:
        session.execute(update(Body).values(active=False))

    def test_the_body_that_takes_most_of_the_sections_items(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        lighting = [i.id for i in registry.current.checklist.sections[0].items]
        few = new_body(session, district=DISTRICT, kind=BodyKind.utility, items=lighting[:2])
        most = new_body(session, district=DISTRICT, kind=BodyKind.other, items=lighting[2:])
        report = send(session, registry, settings)
        assert finding_of(session, report).body_id == most.id != few.id

    def test_a_tie_goes_to_the_body_of_the_earlier_item(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        lighting = [i.id for i in registry.current.checklist.sections[0].items]
        second = new_body(session, district=DISTRICT, kind=BodyKind.other, items=lighting[1:2])
        first = new_body(session, district=DISTRICT, kind=BodyKind.utility, items=lighting[:1])
        report = send(session, registry, settings)
        assert finding_of(session, report).body_id == first.id != second.id

    def test_no_body_for_the_section_goes_to_the_district_akimat(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        akimat = new_body(session, district=DISTRICT, kind=BodyKind.akimat)
        new_body(session, district=DISTRICT, kind=BodyKind.utility, items=["lighting.at_night"])
        report = send(session, registry, settings, section_id="social")
        assert finding_of(session, report).body_id == akimat.id


class TestQueue:
    def test_in_the_inspectors_queue_with_its_text(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        inspector: User,
    ) -> None:
        report = send(session, registry, settings)
        finding = finding_of(session, report)
        found = queue(
            session,
            scope=Scope.of(session, inspector),
            filters=QueueFilters(district_id=DISTRICT, micro_district_id=finding.micro_district_id),
            lang="ru",
        )
        mine = [y for y in found.yards if y.yard_id == finding.yard_id]
        assert mine, "the report's yard is in the queue"
        items = [i for i in mine[0].items if i.finding_id == finding.id]
        assert items and items[0].kind == "report" and items[0].text == TEXT


class TestAcceptReject:
    @pytest.fixture(autouse=True)
    def _a_body_for_lighting(self, session: Session, registry: ChecklistRegistry) -> None:
        items = [i.id for i in registry.current.checklist.sections[0].items]
        new_body(session, district=DISTRICT, items=items, deadline_days=12)

    def test_accept_confirms_it_public_with_a_deadline(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        inspector: User,
    ) -> None:
        report = send(session, registry, settings)
        finding = finding_of(session, report)
        assert all(f.item_id != finding.item_id for f in _public(session, registry, finding))
        accepted = report_actions.accept_report(
            session,
            actor=actor_of(session, inspector),
            finding_id=finding.id,  # type: ignore[arg-type]
            default_deadline_days=30,
        )
        assert accepted.confirmed and accepted.state == FindingState.open
        assert accepted.deadline_at is not None and accepted.confirmed_at is not None
        assert (accepted.deadline_at - accepted.confirmed_at).days == 12
        (shown,) = [f for f in _public(session, registry, finding) if f.item_id == finding.item_id]
        # Named by its section on public pages, never by its internal id.
        section_id = reports.section_of_item(finding.item_id)
        (section,) = [s for s in registry.current.checklist.sections if s.id == section_id]
        assert shown.label == f"Сообщение жителей: {section.title.get('ru')}"
        last = session.exec(
            select(FindingEvent)
            .where(FindingEvent.finding_id == finding.id)
            .order_by(col(FindingEvent.id).desc())
        ).first()
        assert last is not None and last.action == "accept_report"
        assert last.actor_user_id == inspector.id

    def test_reject_withdraws_it_with_the_reason(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        inspector: User,
    ) -> None:
        finding = finding_of(session, send(session, registry, settings))
        actor = actor_of(session, inspector)
        with pytest.raises(Invalid):
            report_actions.reject_report(
                session,
                actor=actor,
                finding_id=finding.id,  # type: ignore[arg-type]
                reason=" ",
            )
        rejected = report_actions.reject_report(
            session,
            actor=actor,
            finding_id=finding.id,  # type: ignore[arg-type]
            reason="Another yard",
        )
        assert rejected.state == FindingState.withdrawn and not rejected.confirmed
        assert report_actions.allowed_report(actor, rejected) == frozenset()

    def test_an_inspector_of_another_district_may_not(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        outsider: User,
    ) -> None:
        finding = finding_of(session, send(session, registry, settings))
        actor = actor_of(session, outsider)
        assert report_actions.allowed_report(actor, finding) == frozenset()
        with pytest.raises((NotPermitted, Exception)):
            report_actions.accept_report(
                session,
                actor=actor,
                finding_id=finding.id,  # type: ignore[arg-type]
                default_deadline_days=30,
            )

    def test_twice_is_refused(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        inspector: User,
    ) -> None:
        finding = finding_of(session, send(session, registry, settings))
        actor = actor_of(session, inspector)
        report_actions.accept_report(
            session,
            actor=actor,
            finding_id=finding.id,  # type: ignore[arg-type]
            default_deadline_days=30,
        )
        with pytest.raises(NotPermitted):
            report_actions.accept_report(
                session,
                actor=actor,
                finding_id=finding.id,  # type: ignore[arg-type]
                default_deadline_days=30,
            )

    def test_a_followed_report_tells_the_chat(
        self,
        session: Session,
        registry: ChecklistRegistry,
        settings: Settings,
        inspector: User,
    ) -> None:
        from app.chats import service as chats

        report = send(session, registry, settings)
        chat = chats.get_or_create_chat(session, telegram_id=_telegram_id())
        assert chat.id is not None
        chats.subscribe(session, chat_id=chat.id, finding_id=report.finding_id)
        report_actions.accept_report(
            session,
            actor=actor_of(session, inspector),
            finding_id=report.finding_id,
            default_deadline_days=30,
        )
        messages = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "telegram.finding_state")
        ).all()
        mine = [m for m in messages if m.payload.get("finding_id") == report.finding_id]
        assert [m.payload["chat_id"] for m in mine] == [chat.id]
        assert mine[0].payload["action"] == "accept_report"


def _public(session: Session, registry: ChecklistRegistry, finding: Finding) -> list[Any]:
    return list(public_findings(session, yard_id=finding.yard_id, registry=registry, lang="ru"))


_next_id = [7_000_000_000]


def _telegram_id() -> int:
    _next_id[0] += 1
    return _next_id[0] + uuid.uuid4().int % 1_000_000 * 1000


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()
