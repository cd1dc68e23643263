"""The outbox's Telegram transport: what a chat is told, composed when it is sent, and its
delivery with the Bot API's ``sendMessage`` over HTTPS.

Kinds:
- ``telegram.finding_state`` (``app.findings.chat_notices``): a report the chat follows
  changed state, in the chat's language;
- ``telegram.digest``: a staff digest (``app.notifications.schedule``) to the chat linked to
  the inspector's or the body member's account, beside the e-mail.

The answer decides what happens (``Outcome``): 200 sent; 403 the user blocked the bot
(``Chat.blocked_at`` set, never retried); 400 a chat Telegram does not know, given up; 429
wait ``retry_after`` seconds; 5xx or no answer, the outbox's back-off. Never a name, a phone
number or the Telegram id in the outbox: the payload has the chat row's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import Session

from app.accounts.models import User
from app.chats.models import Chat
from app.checklists.loader import ChecklistRegistry
from app.findings.chat_notices import FINDING_STATE
from app.findings.models import Finding, FindingEvent, FindingState
from app.findings.reports import report_of
from app.notifications.compose import Composer, NotSent
from app.notifications.letters import day, in_language
from app.outbox.models import OutboxMessage
from app.platform.config import Settings
from app.platform.db import table_of
from app.platform.languages import Lang
from app.platform.translations import gettext
from app.yards.models import Yard

DIGEST = "telegram.digest"
KINDS = (FINDING_STATE, DIGEST)
# Telegram's limit is 4096 characters per message.
TEXT_MAX = 4000
LANGS: tuple[Lang, ...] = ("ru", "kk", "en")
_EVENT = table_of(FindingEvent)


@dataclass(frozen=True)
class ChatMessage:
    chat_row_id: int
    telegram_id: int
    text: str


@dataclass(frozen=True)
class Outcome:
    """What the Bot API said: ``sent``, ``blocked``, ``refused``, ``wait`` or ``retry``."""

    status: str
    detail: str = ""
    retry_after: timedelta | None = None


def _lang(value: Any) -> Lang:
    return value if value in LANGS else "ru"


class TelegramComposer:
    """The text of a Telegram message, from the rows as they are at sending."""

    def __init__(
        self, session: Session, *, settings: Settings, registry: ChecklistRegistry, now: datetime
    ) -> None:
        self.session = session
        self.letters = Composer(session, settings=settings, registry=registry, now=now)
        self.base = settings.public_base_url.rstrip("/")

    def compose(self, message: OutboxMessage) -> ChatMessage:
        payload = message.payload
        chat = self.session.get(Chat, payload.get("chat_id"))
        if chat is None:
            raise NotSent("not sent: the chat is gone")
        if chat.blocked_at is not None:
            raise NotSent("not sent: the user blocked the bot")
        assert chat.id is not None
        with in_language(_lang(payload.get("lang") or chat.lang)):
            if message.kind == FINDING_STATE:
                text = self._finding_state(payload)
            elif message.kind == DIGEST:
                text = self.digest(chat, payload)
            else:
                raise NotSent(f"unknown kind {message.kind}")
        return ChatMessage(chat.id, chat.telegram_id, text[:TEXT_MAX])

    def _finding_state(self, payload: dict[str, Any]) -> str:
        finding = self.session.get(Finding, payload["finding_id"])
        yard = self.session.get(Yard, finding.yard_id) if finding is not None else None
        if finding is None or yard is None:
            raise NotSent("not sent: the finding is gone")
        action, state = payload.get("action"), payload.get("state")
        said = {
            FindingState.sent.value: gettext("It was sent to the body responsible."),
            FindingState.in_progress.value: gettext("The body responsible has started work."),
            FindingState.fix_reported.value: gettext(
                "The body reports it fixed; an inspector will check the yard."
            ),
            FindingState.verified.value: gettext("A check found it fixed. Thank you!"),
            FindingState.withdrawn.value: gettext(
                "It was closed without a fix (the inspector's reason is below)."
            ),
            FindingState.open.value: gettext("It is open again and waits for its body."),
        }
        if action == "accept_report":
            news = gettext(
                "An inspector accepted it: it is now public on the yard's page and goes to the "
                "body responsible."
            )
        elif action == "reject_report":
            news = gettext("An inspector did not accept it.")
        else:
            news = said.get(str(state), gettext("Its state changed."))
        report = report_of(self.session, finding_id=finding.id) if finding.id else None
        lines = [gettext("Your report about %(yard)s:", yard=self.letters._label(yard)), news]
        if report is not None:
            lines.append(f"«{report.text[:300]}»")
        if action == "reject_report" or state == FindingState.withdrawn.value:
            reason = self._reason(finding)
            if reason:
                lines.append(gettext("Reason: %(reason)s", reason=reason))
        if finding.confirmed:
            lines.append(f"{self.base}/yards/{yard.id}")
        return "\n\n".join(lines)

    def _reason(self, finding: Finding) -> str | None:
        return self.session.execute(
            select(_EVENT.c.reason)
            .where(_EVENT.c.finding_id == finding.id)
            .order_by(_EVENT.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def digest(self, chat: Chat, payload: dict[str, Any]) -> str:
        """A staff digest's text (the scheduled one, or the bot's /digest on demand); NotSent
        when the chat is not linked to the payload's account or the digest is empty."""
        user = self.session.get(User, chat.user_id) if chat.user_id is not None else None
        if user is None or not user.active or user.id != payload.get("user_id"):
            raise NotSent("not sent: the chat is no longer linked to the account")
        counts = payload["counts"]
        if not any(counts.values()):
            raise NotSent("skipped: nothing to report")
        since = day(datetime.fromisoformat(payload["since"]))
        titles = {
            "new": gettext("New findings since %(since)s", since=since),
            "overdue": gettext("Past their deadline"),
            "awaiting": gettext("Fixes awaiting verification"),
        }
        lines = [gettext("SafeYard: findings for %(date)s", date=payload["period"])]
        for key, title in titles.items():
            if not counts.get(key):
                continue
            lines.append("")
            lines.append(f"{title} ({counts[key]})")
            lines.extend(f"• {self.letters._digest_line(i)}" for i in payload.get(key, []))
            more = counts[key] - len(payload.get(key, []))
            if more > 0:
                lines.append(gettext("and %(n)s more", n=more))
        return "\n".join(lines)


class BotApi:
    """``sendMessage`` over HTTPS to ``SAFEYARD_TELEGRAM_API_URL`` with the bot's token."""

    def __init__(self, settings: Settings, *, timeout_s: float = 10.0) -> None:
        assert settings.telegram_token
        base = settings.telegram_api_url.rstrip("/")
        self._url = f"{base}/bot{settings.telegram_token}/sendMessage"
        self._client = httpx.Client(timeout=timeout_s)

    def send(self, message: ChatMessage) -> Outcome:
        try:
            response = self._client.post(
                self._url,
                json={
                    "chat_id": message.telegram_id,
                    "text": message.text,
                    "link_preview_options": {"is_disabled": True},
                },
            )
        except httpx.HTTPError as exc:
            # The token is in the URL: say what failed, never the request.
            return Outcome("retry", f"no answer from the Bot API: {type(exc).__name__}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        description = str(body.get("description", ""))[:200]
        code = response.status_code
        if code == 200 and body.get("ok"):
            return Outcome("sent")
        if code == 403:
            return Outcome("blocked", f"403 {description}")
        if code == 429:
            parameters = body.get("parameters") or {}
            seconds = parameters.get("retry_after") if isinstance(parameters, dict) else None
            wait = float(seconds) if isinstance(seconds, int | float) and seconds > 0 else 30.0
            return Outcome("wait", f"429 {description}", timedelta(seconds=min(wait, 3600)))
        # 5xx, and a wrong token or URL (401, 404: the configuration, not the message): later.
        if code >= 500 or code in (200, 401, 404):
            return Outcome("retry", f"{code} {description}")
        # 400 chat not found, text refused...: retrying changes nothing.
        return Outcome("refused", f"{code} {description}")

    def close(self) -> None:
        self._client.close()
