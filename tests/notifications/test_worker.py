"""The sender as a thread of the service (SAFEYARD_NOTIFICATIONS_WORKER=true) and the command
refusing to run without SAFEYARD_SMTP_URL."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.channels.cli.main import cli
from app.outbox import service as outbox
from app.platform.config import Settings, get_settings
from app.platform.db import Database, utcnow
from tests.notifications.smtp_server import SmtpServer
from tests.notifications.support import outbox_rows


def test_the_service_sends_with_the_worker_on(
    mail_db: Database, mail_settings: Settings, smtp: SmtpServer
) -> None:
    from app.main import create_app

    key = f"note:worker:{utcnow().timestamp()}"
    with mail_db.write_session() as session:
        outbox.enqueue(
            session,
            kind="mail.note",
            payload={"to": "w@akimat-almaty.kz", "subject": "s", "text": "t"},
            dedupe_key=key,
        )
    settings = mail_settings.model_copy(
        update={"notifications_worker": True, "notifications_interval_s": 0.2}
    )
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 30
        while not smtp.mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    (row,) = outbox_rows(mail_db, key_prefix=key)
    assert row.sent_at is not None
    assert smtp.mailbox.message_ids() == [row.message_id]


def test_the_command_needs_an_smtp_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFEYARD_SMTP_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["send-notifications", "--once"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "SAFEYARD_SMTP_URL" in result.output
