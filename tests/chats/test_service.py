"""The chats service: chats made once, subscriptions, one-time link codes, unlinking, pruning."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from app.accounts.models import User, UserRole
from app.chats import service as chats
from app.chats.models import Chat, ChatConversation, ChatLinkCode, ChatSubscription, ChatUpdate
from app.platform.db import Database
from tests.factories import create_user, create_yard

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def telegram_id() -> int:
    return 10**9 + uuid.uuid4().int % 10**12


@pytest.fixture(scope="module")
def staff(db: Database) -> User:
    return create_user(db, role=UserRole.inspector)


@pytest.fixture(scope="module")
def other_staff(db: Database) -> User:
    return create_user(db, role=UserRole.inspector)


def a_finding(session: Session) -> int:
    """A finding row of a yard of its own (the chats only need its id)."""
    from app.findings.models import Finding

    yard = create_yard(session, district="auezov")
    assert yard.id is not None
    finding = Finding(
        yard_id=yard.id,
        item_id=f"test.{uuid.uuid4().hex[:8]}",
        district_id=yard.district_id,
        risk=1.0,
        basis="report",
        checklist_version="2026.1",
    )
    session.add(finding)
    session.flush()
    assert finding.id is not None
    return finding.id


class TestGetOrCreate:
    def test_one_row_per_telegram_id_seen_again_later(self, session: Session) -> None:
        tid = telegram_id()
        first = chats.get_or_create_chat(session, telegram_id=tid, now=NOW)
        again = chats.get_or_create_chat(session, telegram_id=tid, now=NOW + timedelta(hours=1))
        assert first.id == again.id
        assert again.last_seen_at == NOW + timedelta(hours=1)
        assert again.created_at == NOW
        rows = session.exec(select(Chat).where(Chat.telegram_id == tid)).all()
        assert len(rows) == 1

    def test_a_52_bit_id_fits(self, session: Session) -> None:
        chat = chats.get_or_create_chat(session, telegram_id=2**52 - 1 - uuid.uuid4().int % 1000)
        assert chat.telegram_id > 2**51


class TestSubscribe:
    def test_idempotent(self, session: Session) -> None:
        chat = chats.get_or_create_chat(session, telegram_id=telegram_id())
        finding_id = a_finding(session)
        assert chat.id is not None
        assert chats.subscribe(session, chat_id=chat.id, finding_id=finding_id) is True
        assert chats.subscribe(session, chat_id=chat.id, finding_id=finding_id) is False
        assert chats.followed(session, chat_id=chat.id) == [finding_id]
        assert chats.subscribers(session, finding_ids=[finding_id]) == [(finding_id, chat.id, None)]

    def test_a_blocked_chat_is_no_subscriber(self, session: Session) -> None:
        chat = chats.get_or_create_chat(session, telegram_id=telegram_id())
        assert chat.id is not None
        finding_id = a_finding(session)
        chats.subscribe(session, chat_id=chat.id, finding_id=finding_id)
        chats.mark_blocked(session, chat_id=chat.id, now=NOW)
        assert chats.subscribers(session, finding_ids=[finding_id]) == []


class TestLinkCodes:
    def test_a_code_links_the_chat_once(self, session: Session, staff: User) -> None:
        chat = chats.get_or_create_chat(session, telegram_id=telegram_id())
        code = chats.issue_link_code(session, user=staff, now=NOW)
        assert len(code) == chats.CODE_LENGTH and set(code) <= set(chats.CODE_ALPHABET)
        stored = session.exec(select(ChatLinkCode).where(ChatLinkCode.user_id == staff.id)).all()
        assert [c.code_hash for c in stored] == [hashlib.sha256(code.encode()).hexdigest()]
        linked = chats.redeem_link_code(session, chat=chat, code=f"  {code.lower()} ", now=NOW)
        assert linked is not None and linked.id == staff.id
        assert chat.user_id == staff.id and chat.linked_at == NOW
        assert chats.linked_user(session, chat=chat) is not None
        other = chats.get_or_create_chat(session, telegram_id=telegram_id())
        assert chats.redeem_link_code(session, chat=other, code=code, now=NOW) is None
        assert other.user_id is None

    def test_expired_refused(self, session: Session, staff: User) -> None:
        chat = chats.get_or_create_chat(session, telegram_id=telegram_id())
        code = chats.issue_link_code(session, user=staff, now=NOW)
        late = NOW + chats.LINK_CODE_TTL + timedelta(seconds=1)
        assert chats.redeem_link_code(session, chat=chat, code=code, now=late) is None
        assert chat.user_id is None

    def test_a_new_code_voids_the_earlier(self, session: Session, staff: User) -> None:
        chat = chats.get_or_create_chat(session, telegram_id=telegram_id())
        first = chats.issue_link_code(session, user=staff, now=NOW)
        second = chats.issue_link_code(session, user=staff, now=NOW)
        assert chats.redeem_link_code(session, chat=chat, code=first, now=NOW) is None
        assert chats.redeem_link_code(session, chat=chat, code=second, now=NOW) is not None

    @pytest.mark.parametrize("code", ["", "WRONGCODE1", "x" * 500])
    def test_unknown_codes_refused(self, session: Session, code: str) -> None:
        chat = chats.get_or_create_chat(session, telegram_id=telegram_id())
        assert chats.redeem_link_code(session, chat=chat, code=code, now=NOW) is None

    def test_an_account_is_linked_to_one_chat(
        self, session: Session, staff: User, other_staff: User
    ) -> None:
        old = chats.get_or_create_chat(session, telegram_id=telegram_id())
        new = chats.get_or_create_chat(session, telegram_id=telegram_id())
        chats.redeem_link_code(
            session, chat=old, code=chats.issue_link_code(session, user=staff, now=NOW), now=NOW
        )
        chats.redeem_link_code(
            session, chat=new, code=chats.issue_link_code(session, user=staff, now=NOW), now=NOW
        )
        session.refresh(old)
        assert old.user_id is None and new.user_id == staff.id
        linked = chats.linked_chat(session, user=staff)
        assert linked is not None and linked.id == new.id
        assert chats.linked_chat(session, user=other_staff) is None

    def test_unlink(self, session: Session, staff: User) -> None:
        chat = chats.get_or_create_chat(session, telegram_id=telegram_id())
        chats.redeem_link_code(
            session, chat=chat, code=chats.issue_link_code(session, user=staff, now=NOW), now=NOW
        )
        assert chats.unlink(session, user=staff) is True
        session.refresh(chat)
        assert chat.user_id is None and chats.linked_user(session, chat=chat) is None
        assert chats.unlink(session, user=staff) is False

    def test_an_inactive_account_is_not_linked(self, session: Session, db: Database) -> None:
        user = create_user(db, role=UserRole.cooperative)
        code = chats.issue_link_code(session, user=user, now=NOW)
        stored = session.get(User, user.id)
        assert stored is not None
        stored.active = False
        session.add(stored)
        session.flush()
        chat = chats.get_or_create_chat(session, telegram_id=telegram_id())
        assert chats.redeem_link_code(session, chat=chat, code=code, now=NOW) is None


class TestPrune:
    def test_forgets_only_what_nothing_needs(self, session: Session, staff: User) -> None:
        old = NOW - timedelta(days=chats.CHAT_IDLE_DAYS + 1)
        idle = chats.get_or_create_chat(session, telegram_id=telegram_id(), now=old)
        recent = chats.get_or_create_chat(session, telegram_id=telegram_id(), now=NOW)
        following = chats.get_or_create_chat(session, telegram_id=telegram_id(), now=old)
        talking = chats.get_or_create_chat(session, telegram_id=telegram_id(), now=old)
        linked = chats.get_or_create_chat(session, telegram_id=telegram_id(), now=old)
        assert following.id and talking.id and linked.id
        chats.subscribe(session, chat_id=following.id, finding_id=a_finding(session))
        session.add(
            ChatConversation(
                chat_id=talking.id, kind="report", step="text", expires_at=NOW + timedelta(days=1)
            )
        )
        code = chats.issue_link_code(session, user=staff, now=old)
        chats.redeem_link_code(session, chat=linked, code=code, now=old)
        # redeem touched nothing of last_seen_at: the chat stays idle but linked
        old_update, new_update = telegram_id(), telegram_id()
        session.execute(
            insert(ChatUpdate),
            [
                {"update_id": old_update, "received_at": NOW - timedelta(days=2)},
                {"update_id": new_update, "received_at": NOW - timedelta(hours=2)},
            ],
        )
        session.flush()
        chats.prune(session, now=NOW)
        left = {c.id for c in session.exec(select(Chat)).all()}
        assert idle.id not in left
        assert {recent.id, following.id, talking.id, linked.id} <= left
        updates = set(session.exec(select(ChatUpdate.update_id)).all())
        assert old_update not in updates and new_update in updates
        assert session.exec(select(ChatSubscription)).all()
        assert not session.exec(select(ChatLinkCode).where(ChatLinkCode.user_id == staff.id)).all()
