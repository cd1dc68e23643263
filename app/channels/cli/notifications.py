"""``safeyard send-notifications [--once]``: the outbox sender as its own process (the service
runs the same sender in a thread with SAFEYARD_NOTIFICATIONS_WORKER=true). Registered on the
``safeyard`` command in app/channels/cli/main.py; docs/NOTIFICATIONS.md."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from app.platform.config import get_settings


def send_notifications(
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="Send what is due now and exit (for cron); else run until stopped."
        ),
    ] = False,
    test_to: Annotated[
        str | None,
        typer.Option(
            "--test-to",
            help="Enqueue a short test message to this address first (checks SAFEYARD_SMTP_URL).",
        ),
    ] = None,
) -> None:
    """Deliver the outbox by e-mail (SAFEYARD_SMTP_URL): findings to their bodies, digests on
    SAFEYARD_DIGEST_SCHEDULE, re-audit reminders. Any number of senders may run: each message
    is leased to one of them."""
    from app.checklists.loader import load_registry
    from app.notifications.compose import NOTE
    from app.notifications.sender import Sender
    from app.outbox import service as outbox
    from app.platform.db import Database, utcnow
    from app.platform.observability.logging import configure_logging

    settings = get_settings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    if not settings.smtp_url:
        typer.echo("SAFEYARD_SMTP_URL is not set: nothing can be sent", err=True)
        raise typer.Exit(2)
    db = Database(settings.database_url, lock_timeout_s=settings.database_lock_timeout_s)
    try:
        if test_to:
            with db.write_session() as session:
                outbox.enqueue(
                    session,
                    kind=NOTE,
                    payload={
                        "to": test_to,
                        "subject": "SafeYard: test message",
                        "text": "SafeYard can send mail through SAFEYARD_SMTP_URL.",
                    },
                    dedupe_key=f"note:test:{test_to}:{utcnow().isoformat()}",
                )
        sender = Sender(db, settings=settings, registry=load_registry(settings.checklist_dir))
        if once:
            tally = sender.run_once()
            for line in tally.outcomes:
                typer.echo(line)
            typer.echo(str(tally))
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        typer.echo(f"sending every {settings.notifications_interval_s:g} s until stopped")
        sender.run_forever(stop)
    finally:
        db.dispose()
