"""/admin/outbox: admins see the counts and the given-up and skipped messages with their
recipient masked (never a whole address, never a letter's contents) and put a given-up one
back to due (CSRF-checked, audited); inspectors get 403, anonymous visitors the login page.
The counts themselves are checked in test_status.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlmodel import select

from app.accounts.models import UserRole
from app.audit.models import AuditEvent
from app.channels.staff.outbox_page import masked_error
from app.outbox import service as outbox
from app.outbox.models import OutboxMessage
from app.platform.db import Database, table_of, utcnow
from tests.accounts.support import create_user, fresh_client, logged_in

_OUTBOX = table_of(OutboxMessage)
ADDRESS = "aigerim.nurlanovna@akimat.example"
PRIVATE = "Нурланова Айгерим, кв. 45"  # what a letter might say: never on the page


@pytest.fixture(scope="module")
def admin(client: TestClient, db: Database) -> TestClient:
    return logged_in(client.app, create_user(db, role=UserRole.admin))


@pytest.fixture
def messages(db: Database) -> Iterator[dict[str, int]]:
    """A note refused by the server (naming its address) and one skipped for a demo address,
    given up "tomorrow" so they head the list; removed after the test, so no sender takes
    them."""
    later = utcnow() + timedelta(days=1)
    made: dict[str, int] = {}
    rows = {
        "refused": (f"refused: 550 5.1.1 <{ADDRESS}>: Recipient address rejected", later),
        "skipped": ("skipped: a demo body or address", later + timedelta(minutes=1)),
    }
    with db.write_session() as session:
        for name, (error, at) in rows.items():
            key = f"test:{uuid.uuid4()}"
            outbox.enqueue(
                session,
                kind="mail.note",
                payload={"to": ADDRESS, "subject": PRIVATE, "text": PRIVATE},
                dedupe_key=key,
            )
            session.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.dedupe_key == key)
                .values(failed_at=at, attempts=3, last_error=error)
            )
            made[name] = session.execute(
                select(_OUTBOX.c.id).where(_OUTBOX.c.dedupe_key == key)
            ).scalar_one()
    yield made
    with db.write_session() as session:
        session.execute(delete(_OUTBOX).where(_OUTBOX.c.id.in_(made.values())))


def row_of(html: str, message_id: int) -> str:
    """The table row of message ``message_id``."""
    marker = f"№ {message_id}" if f"№ {message_id}" in html else f"no. {message_id}"
    at = html.index(marker)
    return html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]


class TestPage:
    @pytest.mark.parametrize(
        ("lang", "title", "retry"),
        [("ru", "Исходящие письма", "Отправить снова"), ("kk", "Шығыс хаттар", "Қайта жіберу")],
    )
    def test_in_russian_and_kazakh(
        self, admin: TestClient, messages: dict[str, int], lang: str, title: str, retry: str
    ) -> None:
        html = admin.get(f"/admin/outbox?lang={lang}").text
        assert f"<h1>{title}</h1>" in html
        assert retry in row_of(html, messages["refused"])
        assert 'href="/admin/outbox"' in html  # the staff links

    def test_addresses_masked_and_no_letter(
        self, admin: TestClient, messages: dict[str, int]
    ) -> None:
        page = admin.get("/admin/outbox?lang=en")
        assert page.headers["cache-control"] == "no-store"
        html = page.text
        assert ADDRESS not in html and "aigerim" not in html
        assert PRIVATE not in html
        refused = row_of(html, messages["refused"])
        assert "a•••@akimat.example" in refused
        assert "refused: 550 5.1.1 &lt;a•••@akimat.example&gt;" in refused
        assert "Retry now" in refused and f"/admin/outbox/{messages['refused']}/retry" in refused
        skipped = row_of(html, messages["skipped"])
        assert "Skipped" in skipped and "Retry now" not in skipped
        # Newest first: the skipped one was given up a minute after the refused one.
        assert html.index(f"no. {messages['skipped']}") < html.index(f"no. {messages['refused']}")

    def test_a_page_that_is_not_a_number(self, admin: TestClient) -> None:
        assert admin.get("/admin/outbox?page=x").status_code == 422


class TestRetry:
    def test_back_to_due_and_audited(
        self, admin: TestClient, db: Database, messages: dict[str, int]
    ) -> None:
        message_id = messages["refused"]
        answer = admin.post(
            f"/admin/outbox/{message_id}/retry",
            data={"csrf_token": admin.headers["X-CSRF-Token"]},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/admin/outbox?retried={message_id}"
        with db.session() as session:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            assert (message.failed_at, message.next_attempt_at, message.attempts) == (None, None, 0)
            event = session.exec(
                select(AuditEvent)
                .where(AuditEvent.action == "outbox.retry")
                .order_by(AuditEvent.id.desc())  # type: ignore[union-attr]
            ).first()
            assert event is not None and event.target == f"outbox:{message_id}"
        notice = admin.get(f"/admin/outbox?retried={message_id}&lang=en").text
        assert f"Message {message_id} is due again" in notice

    def test_a_skipped_message_is_not_retried(
        self, admin: TestClient, messages: dict[str, int]
    ) -> None:
        answer = admin.post(
            f"/admin/outbox/{messages['skipped']}/retry",
            data={"csrf_token": admin.headers["X-CSRF-Token"]},
        )
        assert answer.status_code == 409

    def test_no_csrf_token_no_retry(
        self, admin: TestClient, db: Database, messages: dict[str, int]
    ) -> None:
        answer = admin.post(
            f"/admin/outbox/{messages['refused']}/retry", data={"csrf_token": "forged"}
        )
        assert answer.status_code == 403
        with db.session() as session:
            message = session.get(OutboxMessage, messages["refused"])
            assert message is not None and message.failed_at is not None

    def test_an_unknown_message(self, admin: TestClient) -> None:
        for message_id in ("2000000000", "x"):
            answer = admin.post(
                f"/admin/outbox/{message_id}/retry",
                data={"csrf_token": admin.headers["X-CSRF-Token"]},
            )
            assert answer.status_code == 404


class TestOthers:
    @pytest.mark.parametrize("role", [UserRole.inspector, UserRole.official, UserRole.cooperative])
    def test_staff_who_are_not_admins_get_403(
        self, client: TestClient, db: Database, role: UserRole, messages: dict[str, int]
    ) -> None:
        browser = logged_in(client.app, create_user(db, role=role))
        assert browser.get("/admin/outbox").status_code == 403
        posted = browser.post(
            f"/admin/outbox/{messages['refused']}/retry",
            data={"csrf_token": browser.headers["X-CSRF-Token"]},
        )
        assert posted.status_code == 403
        assert 'href="/admin/outbox"' not in browser.get("/inspector/queue").text

    def test_anonymous_is_sent_to_login(self, client: TestClient) -> None:
        answer = fresh_client(client.app).get("/admin/outbox", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login")


class TestMaskedError:
    def test_every_address_in_an_error_is_masked(self) -> None:
        text = "refused: 550 <ivan@a.example>, cc olga.k@b.example; retry"
        assert masked_error(text) == "refused: 550 <i•••@a.example>, cc o•••@b.example; retry"
        assert masked_error(None) == ""
