"""The sender against a real local SMTP server: a confirmed finding reaches its e-mail body in
Russian and Kazakh with a stable Message-ID and moves to "sent"; demo bodies and addresses get
nothing; a refused address is recorded and never retried; a temporary failure waits."""

from __future__ import annotations

import re
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from app.bodies.models import BodyChannel
from app.checklists.loader import ChecklistRegistry
from app.findings.models import FindingState
from app.notifications.letters import day
from app.notifications.sender import Sender
from app.outbox import service as outbox
from app.outbox.models import OutboxMessage
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.submissions.models import Submission
from tests.notifications.smtp_server import SmtpServer
from tests.notifications.support import (
    FAIL,
    committed_story,
    events_of,
    finding_of,
    only_body,
    outbox_rows,
    text_of,
)


def sender(db: Database, settings: Settings, registry: ChecklistRegistry) -> Sender:
    return Sender(db, settings=settings, registry=registry)


class TestFindingToItsBody:
    def test_delivered_in_both_languages_then_sent(
        self,
        mail_db: Database,
        mail_settings: Settings,
        smtp: SmtpServer,
        registry: ChecklistRegistry,
    ) -> None:
        body = only_body(mail_db)
        story = committed_story(mail_db, registry=registry, settings=mail_settings, answers=FAIL)
        finding = finding_of(mail_db, story)
        assert finding.confirmed and finding.body_id == body.id
        (row,) = outbox_rows(mail_db, key_prefix=f"finding:{finding.id}:to:")
        assert row.dedupe_key == f"finding:{finding.id}:to:{body.id}:1"

        before = utcnow()
        tally = sender(mail_db, mail_settings, registry).run_once()
        assert tally.sent >= 1

        (message,) = [m for m in smtp.mailbox.messages if m["To"] == body.email]
        (row,) = outbox_rows(mail_db, key_prefix=f"finding:{finding.id}:to:")
        assert row.sent_at is not None and row.message_id == message["Message-ID"]
        assert re.fullmatch(r"<safeyard\.\d+\.[0-9a-f]{16}@akimat-almaty\.kz>", row.message_id)
        subject = str(make_header(decode_header(message["Subject"])))
        assert "нарушение во дворе" in subject and "ауладағы кемшілік" in subject
        assert message["From"] == "SafeYard <safeyard@akimat-almaty.kz>"
        text, html = text_of(message)
        for part in (text, html):
            assert f"https://safeyard.almaty.kz/yards/{story.yard_id}" in part
            assert "Устранить до" in part and "Жою мерзімі" in part  # ru and kk
            assert "Что сделать" in part and "Не істеу керек" in part  # the remedy, both
        remedy = registry.current.items_by_id["lighting.at_night"].remedy
        assert remedy is not None and remedy.get("ru") in text and remedy.get("kk") in text
        # Never a submission id (nor any resident's words).
        with mail_db.session() as session:
            ids = session.execute(
                select(Submission.id).where(Submission.yard_id == story.yard_id)
            ).scalars()
            for submission_id in ids:
                assert str(submission_id) not in text and str(submission_id) not in html

        moved = finding_of(mail_db, story)
        assert moved.state == FindingState.sent and moved.sent_at is not None
        assert moved.sent_at >= before and moved.deadline_at is not None
        # From the moment it was sent; the letter names the same date.
        assert timedelta(days=14, seconds=-30) < moved.deadline_at - moved.sent_at
        assert moved.deadline_at - moved.sent_at <= timedelta(days=14)
        assert f"Устранить до: {day(moved.deadline_at)}" in text
        last = events_of(mail_db, moved.id or 0)[-1]
        assert (last.actor, last.action, last.from_state, last.to_state) == (
            "system",
            "sent",
            "open",
            "sent",
        )
        assert last.details["message_id"] == row.message_id

        # A second pass sends nothing again.
        count = len(smtp.mailbox.messages)
        sender(mail_db, mail_settings, registry).run_once()
        assert len(smtp.mailbox.messages) == count

    def test_phone_and_eotinish_bodies_get_no_mail(
        self, mail_db: Database, mail_settings: Settings, registry: ChecklistRegistry
    ) -> None:
        for channel in (BodyChannel.eotinish, BodyChannel.phone):
            only_body(mail_db, channel=channel)
            story = committed_story(
                mail_db, registry=registry, settings=mail_settings, answers=FAIL
            )
            finding = finding_of(mail_db, story)
            assert outbox_rows(mail_db, key_prefix=f"finding:{finding.id}:") == []

    def test_a_synthetic_body_is_recorded_as_skipped(
        self,
        mail_db: Database,
        mail_settings: Settings,
        smtp: SmtpServer,
        registry: ChecklistRegistry,
    ) -> None:
        body = only_body(mail_db, synthetic=True)
        story = committed_story(mail_db, registry=registry, settings=mail_settings, answers=FAIL)
        finding = finding_of(mail_db, story)
        sender(mail_db, mail_settings, registry).run_once()
        (row,) = outbox_rows(mail_db, key_prefix=f"finding:{finding.id}:to:")
        assert row.sent_at is None and row.failed_at is not None
        assert (row.last_error or "").startswith("skipped")
        assert all(m["To"] != body.email for m in smtp.mailbox.messages)
        assert finding_of(mail_db, story).state == FindingState.open


@pytest.mark.parametrize(
    "address",
    ["housing@akimat.example", "a@b.test", "x@y.invalid", "root@localhost", "not-an-address"],
)
def test_demo_addresses_are_never_mailed(
    address: str,
    mail_db: Database,
    mail_settings: Settings,
    smtp: SmtpServer,
    registry: ChecklistRegistry,
) -> None:
    key = f"note:demo:{address}:{utcnow().timestamp()}"
    with mail_db.write_session() as session:
        outbox.enqueue(
            session,
            kind="mail.note",
            payload={"to": address, "subject": "s", "text": "t"},
            dedupe_key=key,
        )
    sender(mail_db, mail_settings, registry).run_once()
    (row,) = outbox_rows(mail_db, key_prefix=key)
    assert row.failed_at is not None and (row.last_error or "").startswith("skipped")
    assert smtp.mailbox.messages == []


class TestFailures:
    def note(self, db: Database, to: str) -> str:
        key = f"note:{to}:{utcnow().timestamp()}"
        with db.write_session() as session:
            outbox.enqueue(
                session,
                kind="mail.note",
                payload={"to": to, "subject": "s", "text": "t"},
                dedupe_key=key,
            )
        return key

    def test_a_refused_address_is_recorded_and_never_retried(
        self,
        mail_db: Database,
        mail_settings: Settings,
        smtp: SmtpServer,
        registry: ChecklistRegistry,
    ) -> None:
        smtp.mailbox.refuse.add("gone@akimat-almaty.kz")
        key = self.note(mail_db, "gone@akimat-almaty.kz")
        tally = sender(mail_db, mail_settings, registry).run_once()
        assert tally.refused == 1
        (row,) = outbox_rows(mail_db, key_prefix=key)
        assert row.failed_at is not None and "550" in (row.last_error or "")
        assert row.attempts == 1
        later = Sender(
            mail_db,
            settings=mail_settings,
            registry=registry,
            clock=lambda: utcnow() + timedelta(days=30),
        )
        later.run_once()
        (row,) = outbox_rows(mail_db, key_prefix=key)
        assert row.attempts == 1 and smtp.mailbox.messages == []

    def test_a_temporary_failure_waits_then_gives_up_at_the_limit(
        self,
        mail_db: Database,
        mail_settings: Settings,
        smtp: SmtpServer,
        registry: ChecklistRegistry,
    ) -> None:
        smtp.mailbox.defer.add("busy@akimat-almaty.kz")
        settings = mail_settings.model_copy(update={"notifications_max_attempts": 3})
        key = self.note(mail_db, "busy@akimat-almaty.kz")
        clock = [utcnow()]
        s = Sender(mail_db, settings=settings, registry=registry, clock=lambda: clock[0])
        s.run_once()
        (row,) = outbox_rows(mail_db, key_prefix=key)
        assert row.failed_at is None and row.attempts == 1 and "451" in (row.last_error or "")
        assert row.next_attempt_at is not None and row.next_attempt_at > clock[0]
        s.run_once()  # not due yet: no attempt
        assert outbox_rows(mail_db, key_prefix=key)[0].attempts == 1
        for _ in range(3):
            clock[0] += timedelta(hours=7)
            s.run_once()
        (row,) = outbox_rows(mail_db, key_prefix=key)
        assert row.attempts == 3 and row.failed_at is not None
        assert (row.last_error or "").startswith("gave up after 3 attempts")

    def test_no_smtp_url_sends_nothing_and_keeps_the_messages(
        self, mail_db: Database, mail_settings: Settings, registry: ChecklistRegistry
    ) -> None:
        key = self.note(mail_db, "someone@akimat-almaty.kz")
        settings = mail_settings.model_copy(update={"smtp_url": None})
        Sender(mail_db, settings=settings, registry=registry).run_once()
        (row,) = outbox_rows(mail_db, key_prefix=key)
        assert row.attempts == 0 and row.failed_at is None and row.sent_at is None
        # Left for the next test's sender: drain it here.
        Sender(mail_db, settings=mail_settings, registry=registry).run_once()


def test_every_message_keeps_its_message_id(
    mail_db: Database, mail_settings: Settings, registry: ChecklistRegistry
) -> None:
    key = f"note:ids:{utcnow().timestamp()}"
    with mail_db.write_session() as session:
        outbox.enqueue(
            session,
            kind="mail.note",
            payload={"to": "a@akimat-almaty.kz", "subject": "s", "text": "t"},
            dedupe_key=key,
        )
    s = sender(mail_db, mail_settings, registry)
    with mail_db.write_session() as session:
        first = outbox.claim(
            session, owner="one", lease=timedelta(seconds=1), message_id_for=s._message_id
        )
    assert first is not None and first.dedupe_key == key
    # The lease runs out (the sender died): the next claim keeps the Message-ID.
    with mail_db.write_session() as session:
        again = outbox.claim(
            session,
            owner="two",
            lease=timedelta(seconds=60),
            message_id_for=lambda *_: "<other@x>",
            now=utcnow() + timedelta(seconds=2),
        )
    assert again is not None and again.id == first.id
    assert again.message_id == first.message_id and again.attempts == 2
    with mail_db.session() as session:
        row = session.get(OutboxMessage, first.id)
        assert row is not None and row.lease_owner == "two"
    with mail_db.write_session() as session:
        outbox.mark_sent(session, message_id=first.id or 0)


def test_a_message_that_cannot_be_composed_waits_and_is_given_up_at_the_limit(
    mail_db: Database, mail_settings: Settings, smtp: SmtpServer, registry: ChecklistRegistry
) -> None:
    key = f"note:broken:{utcnow().timestamp()}"
    with mail_db.write_session() as session:
        outbox.enqueue(session, kind="mail.note", payload={"subject": "no to"}, dedupe_key=key)
    settings = mail_settings.model_copy(update={"notifications_max_attempts": 2})
    clock = [utcnow()]
    s = Sender(mail_db, settings=settings, registry=registry, clock=lambda: clock[0])
    s.run_once()
    (row,) = outbox_rows(mail_db, key_prefix=key)
    assert row.failed_at is None and "could not compose" in (row.last_error or "")
    clock[0] += timedelta(hours=1)
    s.run_once()
    (row,) = outbox_rows(mail_db, key_prefix=key)
    assert row.failed_at is not None and row.attempts == 2
    assert smtp.mailbox.messages == []
