"""A real kill: ``safeyard send-notifications`` in its own process against a file database
(PostgreSQL with SAFEYARD_TEST_DATABASE_URL) and an SMTP server that stalls on one message;
the sender is killed with SIGKILL while that message is in flight, then run again. Every
message arrives exactly once, except the one in flight, which arrives twice with the same
Message-ID. Two sender processes at once never send the same message."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from app.outbox import service as outbox
from app.platform.config import PROJECT_ROOT
from app.platform.db import Database, utcnow
from tests.notifications.conftest import FROM
from tests.notifications.smtp_server import SmtpServer
from tests.notifications.support import outbox_rows

pytestmark = pytest.mark.slow

SAFEYARD = str(Path(sys.executable).with_name("safeyard"))
SMTP_TIMEOUT_S = 1.0
LEASE_S = 11.0  # more than ten SMTP steps


def enqueue_notes(db: Database, count: int) -> str:
    prefix = f"note:kill:{utcnow().timestamp()}:"
    with db.write_session() as session:
        for n in range(count):
            outbox.enqueue(
                session,
                kind="mail.note",
                payload={"to": f"k{n}@akimat-almaty.kz", "subject": f"n{n}", "text": "t"},
                dedupe_key=f"{prefix}{n:03d}",
            )
    return prefix


def sender_env(db: Database, smtp: SmtpServer, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEYARD_")}
    env.update(
        SAFEYARD_DATABASE_URL=db.url,
        SAFEYARD_DATA_DIR=str(tmp_path),
        SAFEYARD_SMTP_URL=smtp.url,
        SAFEYARD_MAIL_FROM=FROM,
        SAFEYARD_SMTP_TIMEOUT_S=str(SMTP_TIMEOUT_S),
        SAFEYARD_NOTIFICATIONS_LEASE_S=str(LEASE_S),
        SAFEYARD_DIGEST_SCHEDULE="off",
        SAFEYARD_LOG_FORMAT="text",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    return env


def start(env: dict[str, str], tmp_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [SAFEYARD, "send-notifications", "--once"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(process: subprocess.Popen[bytes]) -> str:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out.decode()
    return out.decode()


def test_killed_mid_batch_then_run_again(
    mail_db: Database, smtp: SmtpServer, tmp_path: Path
) -> None:
    prefix = enqueue_notes(mail_db, 12)
    smtp.mailbox.stall_on = 5
    env = sender_env(mail_db, smtp, tmp_path)
    killed = start(env, tmp_path)
    assert smtp.mailbox.stalled.wait(60), "the sender never reached the stalled message"
    killed.send_signal(signal.SIGKILL)  # before the server answers the fifth message
    killed.wait(30)
    assert killed.returncode == -signal.SIGKILL
    in_flight = smtp.mailbox.messages[4]["Message-ID"]
    smtp.mailbox.stall_on = None

    # At once: the rest go; the one in flight is still leased to the dead sender.
    finish(start(env, tmp_path))
    rows = outbox_rows(mail_db, key_prefix=prefix)
    unsent = [r for r in rows if r.sent_at is None]
    assert [r.message_id for r in unsent] == [in_flight]
    assert Counter(smtp.mailbox.message_ids())[in_flight] == 1

    # After its lease: it goes again, with the same Message-ID.
    time.sleep(LEASE_S + 0.5)
    finish(start(env, tmp_path))
    rows = outbox_rows(mail_db, key_prefix=prefix)
    assert all(r.sent_at is not None for r in rows)
    counts = Counter(smtp.mailbox.message_ids())
    assert set(counts) == {r.message_id for r in rows}
    assert counts.pop(in_flight) == 2
    assert set(counts.values()) == {1}  # every other message exactly once
    twice = [m for m in smtp.mailbox.messages if m["Message-ID"] == in_flight]
    assert twice[0]["To"] == twice[1]["To"] and twice[0]["Subject"] == twice[1]["Subject"]


def test_two_sender_processes_never_send_the_same_message(
    mail_db: Database, smtp: SmtpServer, tmp_path: Path
) -> None:
    prefix = enqueue_notes(mail_db, 30)
    smtp.mailbox.delay_s = 0.1  # 3 s in all: the second process starts well before
    env = sender_env(mail_db, smtp, tmp_path)
    outputs = [finish(p) for p in [start(env, tmp_path), start(env, tmp_path)]]
    counts = Counter(smtp.mailbox.message_ids())
    rows = outbox_rows(mail_db, key_prefix=prefix)
    assert set(counts) == {r.message_id for r in rows} and set(counts.values()) == {1}
    assert all(r.sent_at is not None for r in rows)
    sent = [int(re.findall(r"^sent (\d+), refused", out, re.MULTILINE)[-1]) for out in outputs]
    assert sum(sent) == 30 and min(sent) > 0, outputs  # both worked, at the same time
