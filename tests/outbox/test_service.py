"""The outbox: effects written in the caller's transaction, read back to deliver, marked sent."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from app.outbox import service as outbox
from app.platform.db import Database, utcnow


def key() -> str:
    return f"test:{uuid.uuid4()}"


class TestEnqueue:
    def test_pending_oldest_first_until_marked_sent(self, session: Session) -> None:
        first, second = key(), key()
        assert outbox.enqueue(session, kind="test.a", payload={"n": 1}, dedupe_key=first)
        assert outbox.enqueue(session, kind="test.b", payload={"n": 2}, dedupe_key=second)
        mine = [m for m in outbox.pending(session, limit=10_000) if m.dedupe_key in {first, second}]
        assert [(m.kind, m.payload, m.sent_at) for m in mine] == [
            ("test.a", {"n": 1}, None),
            ("test.b", {"n": 2}, None),
        ]
        assert mine[0].id is not None and mine[1].id is not None
        sent_at = utcnow()
        assert outbox.mark_sent(session, message_id=mine[0].id, at=sent_at)
        assert not outbox.mark_sent(session, message_id=mine[0].id)  # another sender's already
        left = {m.dedupe_key for m in outbox.pending(session, limit=10_000)}
        assert first not in left and second in left

    def test_one_key_is_one_message(self, session: Session) -> None:
        same = key()
        assert outbox.enqueue(session, kind="test.a", payload={"n": 1}, dedupe_key=same)
        assert not outbox.enqueue(session, kind="test.a", payload={"n": 2}, dedupe_key=same)
        mine = [m for m in outbox.pending(session, limit=10_000) if m.dedupe_key == same]
        assert [m.payload for m in mine] == [{"n": 1}]

    def test_a_rolled_back_transaction_leaves_no_message(self, db: Database) -> None:
        gone = key()
        with pytest.raises(RuntimeError), db.write_session() as session:
            outbox.enqueue(session, kind="test.a", payload={}, dedupe_key=gone)
            raise RuntimeError("the change it follows from fails")
        with db.session() as session:
            assert all(m.dedupe_key != gone for m in outbox.pending(session, limit=10_000))
