"""What the outbox holds (``app.outbox.status``): counts by state and kind, the given-up and
skipped messages newest first, "retry now", the masked address; and who a message goes to
(``app.notifications.recipients``). Other tests commit messages to the shared database, so
counts are checked as the change the test's own messages make."""

from __future__ import annotations

import inspect
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from app.accounts.models import UserRole
from app.notifications import recipients, sender
from app.outbox import service as outbox
from app.outbox import status
from app.outbox.models import OutboxMessage
from app.platform.db import table_of, utcnow
from app.platform.errors import Conflict, NotFound
from tests.factories import create_user
from tests.findings_factories import new_body

_OUTBOX = table_of(OutboxMessage)


def put(
    session: Session, kind: str, payload: dict[str, object] | None = None, **values: object
) -> int:
    """One message of ``kind`` with ``values`` written over its row; its id."""
    dedupe = f"test:{uuid.uuid4()}"
    assert outbox.enqueue(session, kind=kind, payload=payload or {}, dedupe_key=dedupe)
    message_id = session.execute(
        _OUTBOX.select().with_only_columns(_OUTBOX.c.id).where(_OUTBOX.c.dedupe_key == dedupe)
    ).scalar_one()
    if values:
        session.execute(update(_OUTBOX).where(_OUTBOX.c.id == message_id).values(**values))
    return int(message_id)


class World:
    """Two kinds, eight messages: by hand, waiting 2, in flight 1, sent 1, given up 2,
    skipped 2 (one of them for a demo address)."""

    def __init__(self, session: Session) -> None:
        now = utcnow()
        self.a = f"test.a-{uuid.uuid4().hex[:6]}"
        self.b = f"test.b-{uuid.uuid4().hex[:6]}"
        later = now + timedelta(days=1)  # given up "after" every other test's message
        self.due = put(session, self.a)
        self.backing_off = put(session, self.a, next_attempt_at=now + timedelta(minutes=5))
        self.leased = put(session, self.a, lease_owner="x", leased_until=now + timedelta(minutes=1))
        self.sent = put(session, self.b, sent_at=now)
        self.refused = put(
            session,
            self.b,
            failed_at=later,
            attempts=1,
            last_error="refused: 550 5.1.1 <ivan@akimat.example> unknown",
        )
        self.out_of_attempts = put(
            session,
            self.a,
            failed_at=later + timedelta(minutes=1),
            attempts=8,
            last_error="gave up after 8 attempts: connection refused",
        )
        self.demo = put(
            session,
            self.b,
            failed_at=later + timedelta(minutes=2),
            attempts=1,
            last_error=status.DEMO_ERROR,
        )
        self.moved_on = put(
            session,
            self.b,
            failed_at=later + timedelta(minutes=3),
            attempts=1,
            last_error="not sent: the finding is no longer open with this body",
        )


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


class TestCounts:
    def test_the_states_and_kinds_by_hand(self, session: Session) -> None:
        before = status.counts(session)
        w = World(session)
        after = status.counts(session)
        change = {s: after.states[s] - before.states[s] for s in status.STATES}
        assert change == {"waiting": 2, "in_flight": 1, "sent": 1, "failed": 2, "skipped": 2}
        assert after.demo - before.demo == 1
        assert after.total - before.total == 8
        assert after.kinds[w.a] == {
            "waiting": 2,
            "in_flight": 1,
            "sent": 0,
            "failed": 1,
            "skipped": 0,
        }
        assert after.kinds[w.b] == {
            "waiting": 0,
            "in_flight": 0,
            "sent": 1,
            "failed": 1,
            "skipped": 2,
        }

    def test_a_lease_run_out_is_waiting_again(self, session: Session, world: World) -> None:
        before = status.counts(session).states
        session.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id == world.leased)
            .values(leased_until=utcnow() - timedelta(seconds=1))
        )
        after = status.counts(session).states
        assert (after["in_flight"], after["waiting"]) == (
            before["in_flight"] - 1,
            before["waiting"] + 1,
        )


class TestProblems:
    def test_newest_first_given_up_and_skipped_only(self, session: Session, world: World) -> None:
        rows, total = status.problems(session)
        assert total >= 4 and len(rows) <= status.PAGE_SIZE
        mine = [r for r in rows if r.kind in {world.a, world.b}]
        assert [r.id for r in mine] == [
            world.moved_on,
            world.demo,
            world.out_of_attempts,
            world.refused,
        ]
        assert [r.failed for r in mine] == [False, False, True, True]
        assert mine[2].attempts == 8

    def test_pages_of_fifty(self, session: Session, world: World) -> None:
        first, total = status.problems(session, page=1)
        second, _ = status.problems(session, page=2)
        assert len(first) == min(total, status.PAGE_SIZE)
        assert not {r.id for r in first} & {r.id for r in second}


class TestRetry:
    def test_a_given_up_message_is_due_again(self, session: Session, world: World) -> None:
        message = status.retry(session, message_id=world.out_of_attempts)
        assert (message.failed_at, message.next_attempt_at, message.attempts) == (None, None, 0)
        assert message.last_error is not None  # kept until it is sent
        claimed = outbox.claim(
            session,
            owner="test",
            lease=timedelta(minutes=1),
            message_id_for=lambda i, k: f"<{i}@test>",
            kinds=(world.a,),
        )
        assert claimed is not None
        assert {claimed.id} <= {world.due, world.out_of_attempts}

    @pytest.mark.parametrize("which", ["demo", "moved_on", "sent", "due"])
    def test_only_failures_are_retried(self, session: Session, world: World, which: str) -> None:
        with pytest.raises(Conflict):
            status.retry(session, message_id=getattr(world, which))

    def test_no_such_message(self, session: Session) -> None:
        with pytest.raises(NotFound):
            status.retry(session, message_id=2_000_000_000)


class TestMask:
    @pytest.mark.parametrize(
        ("address", "masked"),
        [
            ("aigerim.n@akimat.example", "a•••@akimat.example"),
            ("x@mail.kz", "x•••@mail.kz"),
            ("no-at-sign", "•••"),
            ("@domain.only", "•••"),
            (None, ""),
            ("", ""),
        ],
    )
    def test_the_first_letter_and_the_domain(self, address: str | None, masked: str) -> None:
        assert status.mask_address(address) == masked


class TestTheSendersWords:
    def test_the_state_follows_how_the_sender_records_it(self) -> None:
        source = inspect.getsource(sender)
        assert f'"{status.DEMO_ERROR}"' in source
        assert 'f"refused: {exc}"' in source
        assert 'f"gave up after {message.attempts} attempts: {why}"' in source


class TestRecipients:
    def test_body_account_and_plain_address(self, session: Session, db: object) -> None:
        user = create_user(db, role=UserRole.inspector)  # type: ignore[arg-type]
        body = new_body(session)
        found = recipients.addresses(
            session,
            payloads=[
                {"finding_id": 1, "body_id": body.id},
                {"user_id": user.id, "round": 1},
                {"to": "someone@mail.example", "text": "private"},
                {"body_id": "no-such-body"},
                {},
            ],
        )
        assert found == [body.email, user.email, "someone@mail.example", None, None]
