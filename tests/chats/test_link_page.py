"""/account/telegram: a staff account gets a one-time code for the bot, sees its link, and
unlinks; both in the audit log; the code page is not cached; no CSRF token, no code."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.accounts.models import User, UserRole
from app.audit.models import AuditEvent
from app.chats import service as chats
from app.platform.db import Database
from tests.accounts.support import TOKEN, fresh_client, logged_in
from tests.factories import create_user

CODE = re.compile(r'<strong class="link-code">([A-Z0-9]+)</strong>')


@pytest.fixture()  # a new account per test: a second login would wait for the next TOTP step
def cooperative(db: Database) -> User:
    return create_user(db, role=UserRole.cooperative)


def audit_actions(db: Database, user: User) -> list[str]:
    with db.session() as session:
        # In the order written: without ORDER BY, PostgreSQL returns them in the heap's order,
        # which a table's earlier deletes in the suite can change.
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.user_id == user.id).order_by(col(AuditEvent.id))
        ).all()
        return [r.action for r in rows if r.action.startswith("telegram.")]


def token_of(page: str) -> str:
    match = TOKEN.search(page)
    assert match, page
    return match.group(1)


def test_link_and_unlink(client: TestClient, db: Database, cooperative: User) -> None:
    staff = logged_in(client.app, cooperative)
    page = staff.get("/account/telegram")
    assert page.status_code == 200
    assert "not linked" in page.text
    answer = staff.post("/account/telegram/code", data={"csrf_token": token_of(page.text)})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    match = CODE.search(answer.text)
    assert match, answer.text
    with db.write_session() as session:
        chat = chats.get_or_create_chat(
            session, telegram_id=777_000_000_000 + (cooperative.id or 0)
        )
        assert chats.redeem_link_code(session, chat=chat, code=match.group(1)) is not None
    page = staff.get("/account/telegram")
    assert "is linked to a Telegram chat since" in page.text
    assert match.group(1) not in page.text  # shown once
    done = staff.post(
        "/account/telegram/unlink",
        data={"csrf_token": token_of(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/account/telegram?done=unlinked"
    with db.session() as session:
        stored = session.get(User, cooperative.id)
        assert stored is not None and chats.linked_chat(session, user=stored) is None
    assert audit_actions(db, cooperative) == ["telegram.code", "telegram.link", "telegram.unlink"]


def test_no_code_without_the_csrf_token(client: TestClient, cooperative: User) -> None:
    staff = logged_in(client.app, cooperative)
    staff.headers.pop("X-CSRF-Token", None)
    answer = staff.post("/account/telegram/code", data={"csrf_token": "forged"})
    assert answer.status_code == 403
    assert not CODE.search(answer.text)


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    anonymous = fresh_client(client.app)
    answer = anonymous.get("/account/telegram", follow_redirects=False)
    assert answer.status_code in (303, 401, 403)
    posted = anonymous.post("/account/telegram/code", follow_redirects=False)
    assert posted.status_code in (303, 401, 403)
