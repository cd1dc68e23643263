"""The sender: takes due outbox messages one at a time under a lease, composes, delivers over
SMTP, and records what happened.

For each message: claim it (lease + Message-ID, committed), compose it from the rows as they
are, send, then in one transaction mark it sent and move its finding to "sent". A sender
killed after sending and before marking leaves a lease that runs out; the message then goes
again with the same Message-ID, the one duplicate there can be. A refused address (5xx) and a
recipient that must never get mail (a synthetic body, an address under .example/.test/
.invalid/.localhost) are recorded and never retried; a temporary failure waits, doubling from
a minute, up to ``SAFEYARD_NOTIFICATIONS_MAX_ATTEMPTS``.

Telegram messages (``app.notifications.telegram``) go in a pass of their own, with the Bot
API, when ``SAFEYARD_TELEGRAM_TOKEN`` is set: a Bot API that is down or rate-limits the bot
holds back neither the e-mail nor the other way round.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from app.chats import service as chats_service
from app.checklists.loader import ChecklistRegistry
from app.findings import notices
from app.notifications import telegram
from app.notifications.compose import DIGEST_BODY, DIGEST_INSPECTOR, NOTE, Composer, NotSent
from app.notifications.schedule import enqueue_scheduled
from app.outbox import service as outbox
from app.outbox.models import OutboxMessage
from app.platform import mail
from app.platform.config import Settings
from app.platform.db import Database, utcnow

log = logging.getLogger("safeyard.notifications")
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
EMAIL_KINDS = (notices.TO_BODY, notices.REAUDIT, DIGEST_BODY, DIGEST_INSPECTOR, NOTE)


class Transport(Protocol):
    def send(self, mail: mail.Mail) -> None: ...

    def close(self) -> None: ...


@dataclass
class Tally:
    sent: int = 0
    refused: int = 0  # given up: a refused address, too many attempts
    skipped: int = 0  # never to be sent: demo address, the finding moved on, nothing to say
    deferred: int = 0
    enqueued: int = 0  # by the clock: digests, second reminders
    outcomes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"sent {self.sent}, refused {self.refused}, skipped {self.skipped}, "
            f"deferred {self.deferred}; enqueued by the schedule {self.enqueued}"
        )


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4 ... minutes, at most 6 h."""
    return min(FIRST_WAIT * (2 ** max(0, attempts - 1)), LONGEST_WAIT)


def owner_name() -> str:
    """This sender, in the lease: host, process and a random part (a restarted process
    with the same pid is another sender)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Sender:
    def __init__(
        self,
        db: Database,
        *,
        settings: Settings,
        registry: ChecklistRegistry,
        transport: Callable[[], Transport] | None = None,
        clock: Callable[[], datetime] = utcnow,
        bot_api: Callable[[], telegram.BotApi] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.registry = registry
        self.clock = clock
        self.owner = owner_name()
        # Without SAFEYARD_SMTP_URL (and no transport given) nothing is sent: messages wait.
        self.can_send = transport is not None or bool(settings.smtp_url)
        self._make_transport = transport or self._smtp
        self._transport: Transport | None = None
        # Without SAFEYARD_TELEGRAM_TOKEN Telegram messages wait, as mail does without SMTP.
        self.can_message = bot_api is not None or bool(settings.telegram_token)
        self._make_bot_api = bot_api or (lambda: telegram.BotApi(self.settings))
        self._bot_api: telegram.BotApi | None = None
        # Set by run_forever's caller (SIGTERM): the pass ends after the message in hand.
        self._stop = threading.Event()

    def _smtp(self) -> Transport:
        if not self.settings.smtp_url:
            raise mail.MailDeferred("SAFEYARD_SMTP_URL is not set")
        return mail.SmtpTransport(
            mail.SmtpConfig.from_url(self.settings.smtp_url),
            sender=self.settings.mail_from,
            timeout_s=self.settings.smtp_timeout_s,
        )

    def _message_id(self, row_id: int, dedupe_key: str) -> str:
        return mail.make_message_id(
            row_id=row_id, dedupe_key=dedupe_key, sender=self.settings.mail_from
        )

    def run_once(self, *, limit: int | None = None) -> Tally:
        """Enqueue what the clock makes due, then send every due message (at most ``limit``);
        returns what happened."""
        tally = Tally()
        with self.db.write_session() as session:
            tally.enqueued = enqueue_scheduled(session, settings=self.settings, now=self.clock())
            # The bot's chats nothing needs any more are forgotten on the same clock.
            chats_service.prune(session, now=self.clock())
        passes = [(EMAIL_KINDS, self.can_send), (telegram.KINDS, self.can_message)]
        try:
            for kinds, able in passes:
                if not able:
                    continue
                # A temporary failure ends the pass: the server is likely down for the rest.
                deferred_before = tally.deferred
                while not (tally.deferred > deferred_before or self._stop.is_set()) and (
                    limit is None or tally.sent + tally.refused + tally.skipped < limit
                ):
                    if not self.send_next(tally, kinds=kinds):
                        break
        finally:
            self.close()
        return tally

    def close(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
        bot_api, self._bot_api = self._bot_api, None
        if bot_api is not None:
            bot_api.close()

    def send_next(self, tally: Tally, *, kinds: tuple[str, ...] | None = EMAIL_KINDS) -> bool:
        """Claim and handle one due message of ``kinds``; False when none is due."""
        now = self.clock()
        with self.db.write_session() as session:
            message = outbox.claim(
                session,
                owner=self.owner,
                lease=timedelta(seconds=self.settings.notifications_lease_s),
                message_id_for=self._message_id,
                kinds=kinds,
                now=now,
            )
        if message is None:
            return False
        if message.kind in telegram.KINDS:
            self._handle_telegram(message, tally)
        else:
            self._handle(message, tally)
        return True

    def _handle_telegram(self, message: OutboxMessage, tally: Tally) -> None:
        assert message.id is not None
        try:
            with self.db.session() as session:
                composed = telegram.TelegramComposer(
                    session, settings=self.settings, registry=self.registry, now=self.clock()
                ).compose(message)
        except NotSent as exc:
            self._give_up(message, str(exc), tally, skipped=True)
            return
        except Exception as exc:
            log.exception("message %s could not be composed", message.id)
            self._defer(message, f"could not compose: {type(exc).__name__}: {exc}", tally)
            return
        if self._bot_api is None:
            self._bot_api = self._make_bot_api()
        outcome = self._bot_api.send(composed)
        if outcome.status == "blocked":
            with self.db.write_session() as session:
                chats_service.mark_blocked(session, chat_id=composed.chat_row_id, now=self.clock())
            self._give_up(message, f"the user blocked the bot: {outcome.detail}", tally, False)
        elif outcome.status == "refused":
            self._give_up(message, f"refused: {outcome.detail}", tally, skipped=False)
        elif outcome.status == "wait" and outcome.retry_after is not None:
            # Telegram says when to come back: that, not the back-off (the attempt counts).
            if message.attempts >= self.settings.notifications_max_attempts:
                self._give_up(message, f"gave up: {outcome.detail}", tally, skipped=False)
                return
            with self.db.write_session() as session:
                outbox.retry_later(
                    session,
                    message_id=message.id,
                    error=outcome.detail,
                    at=self.clock() + outcome.retry_after,
                )
            tally.deferred += 1
            tally.outcomes.append(f"deferred {message.kind}: {outcome.detail}")
        elif outcome.status == "sent":
            with self.db.write_session() as session:
                outbox.mark_sent(session, message_id=message.id, at=self.clock())
            tally.sent += 1
            tally.outcomes.append(f"sent {message.kind} {message.id}")
        else:
            self._defer(message, outcome.detail, tally)

    def _handle(self, message: OutboxMessage, tally: Tally) -> None:
        assert message.id is not None and message.message_id is not None
        try:
            with self.db.session() as session:
                composed = Composer(
                    session, settings=self.settings, registry=self.registry, now=self.clock()
                ).compose(message)
        except NotSent as exc:
            self._give_up(message, str(exc), tally, skipped=True)
            return
        except Exception as exc:
            # A message that cannot be composed (its payload, a bug) waits and is given up at
            # the attempts limit, rather than stopping every message behind it.
            log.exception("message %s could not be composed", message.id)
            self._defer(message, f"could not compose: {type(exc).__name__}: {exc}", tally)
            return
        letter = composed.letter
        if composed.synthetic or mail.never_mailed(letter.to):
            self._give_up(message, "skipped: a demo body or address", tally, skipped=True)
            return
        try:
            if self._transport is None:
                self._transport = self._make_transport()
            self._transport.send(
                mail.Mail(
                    to=letter.to,
                    subject=letter.subject,
                    text=letter.text,
                    html=letter.html,
                    message_id=message.message_id,
                )
            )
        except mail.MailRefused as exc:
            self._give_up(message, f"refused: {exc}", tally, skipped=False)
            return
        except mail.MailDeferred as exc:
            self._defer(message, str(exc), tally)
            return
        now = self.clock()
        with self.db.write_session() as session:
            outbox.mark_sent(session, message_id=message.id, at=now)
            if composed.delivers is not None:
                finding_id, body_id = composed.delivers
                notices.mark_delivered(
                    session,
                    finding_id=finding_id,
                    body_id=body_id,
                    message_id=message.message_id,
                    default_days=self.settings.finding_deadline_days,
                    deadline=composed.deadline,
                    now=now,
                )
        tally.sent += 1
        tally.outcomes.append(f"sent {message.kind} {message.message_id}")

    def _give_up(self, message: OutboxMessage, why: str, tally: Tally, skipped: bool) -> None:
        assert message.id is not None
        with self.db.write_session() as session:
            outbox.give_up(session, message_id=message.id, error=why, at=self.clock())
        if skipped:
            tally.skipped += 1
        else:
            tally.refused += 1
            log.warning("message %s not delivered, not retried: %s", message.id, why)
        tally.outcomes.append(f"{'skipped' if skipped else 'refused'} {message.kind}: {why}")

    def _defer(self, message: OutboxMessage, why: str, tally: Tally) -> None:
        assert message.id is not None
        self.close()  # the next attempt opens a fresh connection
        if message.attempts >= self.settings.notifications_max_attempts:
            self._give_up(
                message, f"gave up after {message.attempts} attempts: {why}", tally, False
            )
            return
        with self.db.write_session() as session:
            outbox.retry_later(
                session,
                message_id=message.id,
                error=why,
                at=self.clock() + backoff(message.attempts),
            )
        tally.deferred += 1
        tally.outcomes.append(f"deferred {message.kind}: {why}")
        log.warning("message %s deferred (attempt %s): %s", message.id, message.attempts, why)

    def run_forever(self, stop: threading.Event) -> None:
        """Run a pass every ``SAFEYARD_NOTIFICATIONS_INTERVAL_S`` until ``stop`` is set; a
        failing pass (the database away) is logged and tried again at the next."""
        self._stop = stop
        while not stop.is_set():
            try:
                tally = self.run_once()
                if tally.sent or tally.refused or tally.deferred:
                    log.info("notifications: %s", tally)
            except Exception:
                log.exception("notifications pass failed; trying again")
            stop.wait(self.settings.notifications_interval_s)


def start_worker(
    db: Database, *, settings: Settings, registry: ChecklistRegistry
) -> Callable[[], None]:
    """Start the sender in a daemon thread of the service; returns the function that stops
    it (waiting for the message in hand)."""
    stop = threading.Event()
    sender = Sender(db, settings=settings, registry=registry)
    if not sender.can_send:
        log.warning(
            "SAFEYARD_NOTIFICATIONS_WORKER is on but SAFEYARD_SMTP_URL is not set: "
            "messages wait in the outbox"
        )
    thread = threading.Thread(
        target=sender.run_forever, args=(stop,), name="safeyard-notifications", daemon=True
    )
    thread.start()

    def stop_worker() -> None:
        stop.set()
        thread.join(timeout=settings.smtp_timeout_s * 10)

    return stop_worker
