"""The outbox's Telegram transport against a local Bot API server: a followed report's change
of state reaches the chat once; a blocked bot, a rate limit and a server error are handled as
Telegram means them; a linked staff account gets its digest in the chat."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import Body
from app.chats import service as chats
from app.chats.models import Chat
from app.checklists.loader import ChecklistRegistry
from app.findings import report_actions
from app.findings.chat_notices import FINDING_STATE
from app.findings.permissions import Actor
from app.intake.reports import submit_report
from app.notifications import chat_digests
from app.notifications.compose import DIGEST_INSPECTOR
from app.notifications.sender import Sender
from app.notifications.telegram import DIGEST
from app.outbox import service as outbox
from app.outbox.models import OutboxMessage
from app.platform.config import Settings
from app.platform.db import Database
from tests.factories import area_index, create_user, new_location
from tests.findings_factories import new_body
from tests.notifications.bot_api_server import (
    TOKEN,
    BotApiServer,
    blocked,
    server_error,
    too_many,
)

DISTRICT = "medeu"
TEXT = "Нет света у третьего подъезда уже неделю"


@pytest.fixture
def bot_api() -> Iterator[BotApiServer]:
    with BotApiServer() as server:
        yield server


@pytest.fixture
def tg_settings(mail_db: Database, bot_api: BotApiServer, tmp_path: Path) -> Settings:
    return Settings(
        database_url=mail_db.url,
        data_dir=tmp_path,
        public_base_url="https://safeyard.almaty.kz",
        telegram_token=TOKEN,
        telegram_api_url=bot_api.url,
        digest_schedule="off",
    )


@pytest.fixture(scope="module")
def inspector(mail_db: Database, registry: ChecklistRegistry) -> User:
    with mail_db.write_session() as session:
        session.execute(update(Body).values(active=False))
        items = [i.id for i in registry.current.checklist.sections[0].items]
        new_body(session, district=DISTRICT, items=items, channel="eotinish")
    return create_user(
        mail_db, role=UserRole.inspector, links=accounts_service.Links([DISTRICT], [], [])
    )


def telegram_id() -> int:
    return 10**9 + uuid.uuid4().int % 10**12


def followed_report(
    db: Database, registry: ChecklistRegistry, settings: Settings, *, lang: str = "ru"
) -> tuple[int, int, int]:
    """A report followed by a new chat: (finding id, chat row id, Telegram id)."""
    tid = telegram_id()
    where = new_location(DISTRICT)
    with db.write_session() as session:
        report = submit_report(
            session,
            client_id=str(uuid.uuid4()),
            channel="telegram",
            section_id="lighting",
            text=TEXT,
            latitude=where["lat"],
            longitude=where["lon"],
            photo=None,
            registry=registry,
            areas=area_index(),
            settings=settings,
        )
        chat = chats.get_or_create_chat(session, telegram_id=tid)
        chat.lang = lang
        session.add(chat)
        session.flush()
        assert chat.id is not None
        chats.subscribe(session, chat_id=chat.id, finding_id=report.finding_id)
        return report.finding_id, chat.id, tid


def accept(db: Database, user: User, finding_id: int) -> None:
    with db.write_session() as session:
        actor = Actor.of(session, user=user, scope=Scope.of(session, user))
        report_actions.accept_report(
            session, actor=actor, finding_id=finding_id, default_deadline_days=30
        )


def messages(db: Database, *, kind: str, chat_id: int) -> list[OutboxMessage]:
    with db.session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
        return [m for m in rows if m.payload.get("chat_id") == chat_id]


class TestFindingState:
    def test_the_chat_is_told_once_in_its_language(
        self,
        mail_db: Database,
        registry: ChecklistRegistry,
        tg_settings: Settings,
        bot_api: BotApiServer,
        inspector: User,
    ) -> None:
        finding_id, chat_id, tid = followed_report(mail_db, registry, tg_settings)
        accept(mail_db, inspector, finding_id)
        [message] = messages(mail_db, kind=FINDING_STATE, chat_id=chat_id)
        assert message.payload == {
            "chat_id": chat_id,
            "finding_id": finding_id,
            "state": "open",
            "action": "accept_report",
            "lang": "ru",
        }
        tally = Sender(mail_db, settings=tg_settings, registry=registry).run_once()
        assert tally.sent >= 1
        [sent] = bot_api.sent_to(tid)
        assert bot_api.requests[-1].path == f"/bot{TOKEN}/sendMessage"
        assert TEXT in sent["text"] and "https://safeyard.almaty.kz/yards/" in sent["text"]
        # Nothing of the chat's Telegram id or the token is kept in the outbox.
        [row] = messages(mail_db, kind=FINDING_STATE, chat_id=chat_id)
        assert row.sent_at is not None and str(tid) not in str(row.payload)
        Sender(mail_db, settings=tg_settings, registry=registry).run_once()
        assert len(bot_api.sent_to(tid)) == 1

    def test_a_blocked_bot_marks_the_chat_and_gives_up(
        self,
        mail_db: Database,
        registry: ChecklistRegistry,
        tg_settings: Settings,
        bot_api: BotApiServer,
        inspector: User,
    ) -> None:
        finding_id, chat_id, tid = followed_report(mail_db, registry, tg_settings)
        bot_api.script(tid, *blocked())
        accept(mail_db, inspector, finding_id)
        Sender(mail_db, settings=tg_settings, registry=registry).run_once()
        [row] = messages(mail_db, kind=FINDING_STATE, chat_id=chat_id)
        assert row.failed_at is not None and row.sent_at is None
        assert "blocked" in (row.last_error or "")
        with mail_db.session() as session:
            chat = session.get(Chat, chat_id)
            assert chat is not None and chat.blocked_at is not None
            # A blocked chat is told nothing more.
            assert chats.subscribers(session, finding_ids=[finding_id]) == []
        assert len(bot_api.sent_to(tid)) == 1

    def test_429_waits_what_telegram_says_then_sends(
        self,
        mail_db: Database,
        registry: ChecklistRegistry,
        tg_settings: Settings,
        bot_api: BotApiServer,
        inspector: User,
    ) -> None:
        finding_id, chat_id, tid = followed_report(mail_db, registry, tg_settings)
        bot_api.script(tid, *too_many(7))
        accept(mail_db, inspector, finding_id)
        now = datetime.now(UTC)
        Sender(mail_db, settings=tg_settings, registry=registry, clock=lambda: now).run_once()
        [row] = messages(mail_db, kind=FINDING_STATE, chat_id=chat_id)
        assert row.sent_at is None and row.failed_at is None
        assert row.next_attempt_at is not None
        waited = row.next_attempt_at.replace(tzinfo=UTC) - now
        assert waited == timedelta(seconds=7)
        # Not due before then.
        soon = now + timedelta(seconds=6)
        Sender(mail_db, settings=tg_settings, registry=registry, clock=lambda: soon).run_once()
        assert len(bot_api.sent_to(tid)) == 1
        later = now + timedelta(seconds=8)
        Sender(mail_db, settings=tg_settings, registry=registry, clock=lambda: later).run_once()
        assert len(bot_api.sent_to(tid)) == 2
        [row] = messages(mail_db, kind=FINDING_STATE, chat_id=chat_id)
        assert row.sent_at is not None

    def test_a_server_error_backs_off(
        self,
        mail_db: Database,
        registry: ChecklistRegistry,
        tg_settings: Settings,
        bot_api: BotApiServer,
        inspector: User,
    ) -> None:
        finding_id, chat_id, tid = followed_report(mail_db, registry, tg_settings)
        bot_api.script(tid, *server_error())
        accept(mail_db, inspector, finding_id)
        now = datetime.now(UTC) + timedelta(minutes=5)
        Sender(mail_db, settings=tg_settings, registry=registry, clock=lambda: now).run_once()
        [row] = messages(mail_db, kind=FINDING_STATE, chat_id=chat_id)
        assert row.sent_at is None and row.failed_at is None and "502" in (row.last_error or "")
        assert row.next_attempt_at is not None
        assert row.next_attempt_at.replace(tzinfo=UTC) - now == timedelta(minutes=1)

    def test_without_a_token_nothing_is_sent(
        self,
        mail_db: Database,
        registry: ChecklistRegistry,
        tg_settings: Settings,
        bot_api: BotApiServer,
        inspector: User,
    ) -> None:
        finding_id, chat_id, tid = followed_report(mail_db, registry, tg_settings)
        accept(mail_db, inspector, finding_id)
        off = tg_settings.model_copy(update={"telegram_token": None})
        Sender(mail_db, settings=off, registry=registry).run_once()
        assert bot_api.sent_to(tid) == []
        [row] = messages(mail_db, kind=FINDING_STATE, chat_id=chat_id)
        assert row.sent_at is None and row.failed_at is None


class TestDigest:
    def test_a_linked_inspector_gets_the_digest_in_the_chat(
        self,
        mail_db: Database,
        registry: ChecklistRegistry,
        tg_settings: Settings,
        bot_api: BotApiServer,
        inspector: User,
    ) -> None:
        finding_id, _, _ = followed_report(mail_db, registry, tg_settings)
        tid = telegram_id()
        period = f"2026-12-{uuid.uuid4().int % 28 + 1:02d}T09"
        with mail_db.write_session() as session:
            chat = chats.get_or_create_chat(session, telegram_id=tid)
            code = chats.issue_link_code(session, user=inspector)
            assert chats.redeem_link_code(session, chat=chat, code=code) is not None
            outbox.enqueue(
                session,
                kind=DIGEST_INSPECTOR,
                payload={
                    "user_id": inspector.id,
                    "period": "07.12.2026",
                    "since": "2026-12-06T04:00:00+00:00",
                    "new": [finding_id],
                    "overdue": [],
                    "awaiting": [],
                    "counts": {"new": 3, "overdue": 0, "awaiting": 0},
                },
                dedupe_key=f"digest:inspector:{inspector.id}:{period}",
            )
            assert chat_digests.enqueue_chat_digests(session, period=period) == 1
            assert chat_digests.enqueue_chat_digests(session, period=period) == 0
        Sender(mail_db, settings=tg_settings, registry=registry).run_once()
        [sent] = bot_api.sent_to(tid)
        assert f"/inspector/findings/{finding_id}" in sent["text"]
        assert "(3)" in sent["text"]
        assert messages(mail_db, kind=DIGEST, chat_id=chat.id)[0].sent_at is not None
