"""Two senders at once (each with its own engines, as two processes would have) never send
the same message: each is leased to one of them."""

from __future__ import annotations

import threading
from collections import Counter

from app.checklists.loader import ChecklistRegistry
from app.notifications.sender import Sender, Tally
from app.outbox import service as outbox
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.notifications.smtp_server import SmtpServer
from tests.notifications.support import outbox_rows

MESSAGES = 40


def test_each_message_goes_once(
    mail_db: Database, mail_settings: Settings, smtp: SmtpServer, registry: ChecklistRegistry
) -> None:
    prefix = f"note:pair:{utcnow().timestamp()}:"
    with mail_db.write_session() as session:
        for n in range(MESSAGES):
            outbox.enqueue(
                session,
                kind="mail.note",
                payload={"to": f"r{n}@akimat-almaty.kz", "subject": f"n{n}", "text": "t"},
                dedupe_key=f"{prefix}{n}",
            )
    smtp.mailbox.delay_s = 0.02  # long enough for the two to overlap
    tallies: list[Tally] = []
    databases = [Database(mail_db.url) for _ in range(2)]

    def run(db: Database) -> None:
        tallies.append(Sender(db, settings=mail_settings, registry=registry).run_once())

    threads = [threading.Thread(target=run, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for db in databases:
        db.dispose()

    counts = Counter(smtp.mailbox.message_ids())
    assert len(counts) == MESSAGES and set(counts.values()) == {1}
    assert sorted(t.sent for t in tallies)[0] > 0, "one sender did all: no overlap tested"
    assert sum(t.sent for t in tallies) == MESSAGES
    rows = outbox_rows(mail_db, key_prefix=prefix)
    assert all(r.sent_at is not None and r.attempts == 1 for r in rows)
    assert {r.message_id for r in rows} == set(counts)
