"""The update's statements as driver SQL: the same values as the ORM reads and writes."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from app.channels.telegram import store
from app.channels.telegram.driver_sql import DriverSql
from app.chats.models import Chat, ChatConversation, ChatUpdate
from app.platform.db import Database

NOW = datetime(2026, 12, 6, 12, 0, 0, 123456, tzinfo=UTC)
LATER = NOW + timedelta(hours=2, microseconds=-123456)


def _telegram_id() -> int:
    return secrets.randbelow(2**40) + 2 * 10**12


class TestValues:
    def test_sqlite_times_are_written_as_sqlalchemy_writes_them(self) -> None:
        sql = DriverSql("sqlite")
        assert sql.time_in(LATER) == "2026-12-06 14:00:00.000000"
        almaty = NOW.astimezone(timezone(timedelta(hours=5)))
        assert sql.time_in(almaty) == "2026-12-06 12:00:00.123456"
        assert sql.time_out(sql.time_in(almaty)) == NOW

    def test_naive_times_are_refused(self) -> None:
        with pytest.raises(ValueError):
            DriverSql("sqlite").time_in(datetime(2026, 12, 6, 12, 0))  # noqa: DTZ001

    def test_uuids_and_json(self) -> None:
        sql = DriverSql("sqlite")
        value = uuid.uuid4()
        assert sql.value_out("submission_id", sql.value_in("submission_id", value)) == value
        answers = {"lighting.at_night": "yes", "note": "жоқ"}
        assert sql.value_out("answers", sql.value_in("answers", answers)) == answers


class TestStore:
    def test_a_conversation_reads_and_writes_as_the_orm(self, db: Database) -> None:
        telegram_id = _telegram_id()
        with db.write_session() as session:
            chat = Chat(telegram_id=telegram_id, lang="kk", created_at=NOW, last_seen_at=NOW)
            session.add(chat)
            session.flush()
            assert chat.id is not None
            chat_id = chat.id
            written = ChatConversation(
                chat_id=chat_id,
                kind="checklist",
                step="question",
                position=3,
                checklist_version="2026.2",
                latitude=43.25,
                longitude=76.95,
                answers={"lighting.at_night": "yes"},
                data={"near": [1, 2], "photos": {"a": "file-1"}},
                started_at=NOW,
                updated_at=NOW,
                expires_at=NOW + timedelta(days=1),
            )
            session.add(written)
            session.flush()
            submission_id = written.submission_id
        try:
            with store.write(db) as tx:
                row, conversation = store.chat_and_conversation(tx, telegram_id)
                assert row is not None and conversation is not None
                assert (row.id, row.lang, row.user_id, row.last_seen_at) == (
                    chat_id,
                    "kk",
                    None,
                    NOW,
                )
                assert conversation.submission_id == submission_id
                assert conversation.answers == {"lighting.at_night": "yes"}
                assert conversation.data == {"near": [1, 2], "photos": {"a": "file-1"}}
                assert (conversation.latitude, conversation.longitude) == (43.25, 76.95)
                assert conversation.expires_at == NOW + timedelta(days=1)
                conversation.answers = {**conversation.answers, "lighting.entrances": "all"}
                conversation.position = 4
                conversation.expires_at = LATER
                store.mark_seen(tx, row, now=LATER)
                store.save_conversations(tx)
            with db.session() as session:
                read = session.exec(
                    select(ChatConversation).where(ChatConversation.chat_id == chat_id)
                ).one()
                assert read.answers == {"lighting.at_night": "yes", "lighting.entrances": "all"}
                assert (read.position, read.expires_at, read.updated_at) == (4, LATER, NOW)
                assert read.submission_id == submission_id
                assert session.get(Chat, chat_id).last_seen_at == LATER  # type: ignore[union-attr]
        finally:
            with db.write_session() as session:
                session.delete(session.get(Chat, chat_id))

    def test_an_update_is_claimed_once(self, db: Database) -> None:
        update_id = _telegram_id()
        with store.write(db) as tx:
            assert store.claim_update(tx, update_id, now=NOW)
            assert not store.claim_update(tx, update_id, now=NOW)
        with db.session() as session:
            assert session.get(ChatUpdate, update_id).received_at == NOW  # type: ignore[union-attr]
        with store.write(db) as tx:
            assert not store.claim_update(tx, update_id, now=NOW)
            store.unclaim_update(tx, update_id)
        with db.session() as session:
            assert session.get(ChatUpdate, update_id) is None

    def test_an_error_rolls_the_update_back(self, db: Database) -> None:
        update_id = _telegram_id()
        with pytest.raises(RuntimeError), store.write(db) as tx:
            store.claim_update(tx, update_id, now=NOW)
            raise RuntimeError("a bug in a handler")
        with db.session() as session:
            assert session.get(ChatUpdate, update_id) is None
