"""Re-audit reminders and digests read back from a real SMTP server: to the district's
inspector, in Russian and Kazakh, naming the yard and never a submission or a resident."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.header import decode_header, make_header

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.permissions import Actor
from app.notifications.sender import Sender
from app.platform.config import Settings
from app.platform.db import Database
from tests.factories import PASSWORD
from tests.notifications.smtp_server import SmtpServer
from tests.notifications.support import FAIL, committed_story, finding_of, only_body, text_of


def inspector(db: Database) -> User:
    with db.write_session() as session:
        return accounts_service.create_user(
            session,
            email=f"inspector-{uuid.uuid4().hex[:6]}@akimat-almaty.kz",
            name="Айгерим Сапарова",
            role=UserRole.inspector,
            password=PASSWORD,
            links=accounts_service.Links(["almaly"], [], []),
        )


def subject_of(message: object) -> str:
    return str(make_header(decode_header(message["Subject"])))  # type: ignore[index]


def test_a_reported_fix_reminds_the_inspector_then_the_digest_lists_it(
    mail_db: Database, mail_settings: Settings, smtp: SmtpServer, registry: ChecklistRegistry
) -> None:
    person = inspector(mail_db)
    body = only_body(mail_db)
    story = committed_story(mail_db, registry=registry, settings=mail_settings, answers=FAIL)
    Sender(mail_db, settings=mail_settings, registry=registry).run_once()  # to the body
    finding = finding_of(mail_db, story)
    official = Actor(
        user_id=None,
        role=UserRole.official,
        scope=Scope(UserRole.official),
        body_ids=frozenset({body.id}),
    )
    with mail_db.write_session() as session:
        actions.start_work(session, actor=official, finding_id=finding.id or 0)
        actions.report_fix(
            session,
            actor=official,
            finding_id=finding.id or 0,
            fixed_on=story.later().date(),
            note="Заменили лампы; звонить Ивану +7 701 000 00 00",
        )
    Sender(mail_db, settings=mail_settings, registry=registry).run_once()
    (reminder,) = [m for m in smtp.mailbox.messages if m["To"] == person.email]
    subject = subject_of(reminder)
    assert "ждёт повторной проверки" in subject and "қайта тексеруді күтуде" in subject
    text, html = text_of(reminder)
    assert f"/inspector/findings/{finding.id}" in text
    assert "Иван" not in text and "+7 701" not in text  # the body's note is not mailed

    # The digest of the next morning: the fix awaits verification.
    daily = mail_settings.model_copy(update={"digest_schedule": "daily 9"})
    clock = story.now + timedelta(days=2)
    Sender(mail_db, settings=daily, registry=registry, clock=lambda: clock).run_once()
    digests = [m for m in smtp.mailbox.messages if "SafeYard: замечания на" in subject_of(m)]
    (mine,) = [m for m in digests if m["To"] == person.email]
    text, _ = text_of(mine)
    assert "Устранения, ждущие проверки (1)" in text
    assert "Тексеруді күтіп тұрған түзетулер (1)" in text
    assert f"/inspector/findings/{finding.id}" in text
