"""Sending e-mail over SMTP (the standard library's smtplib), and what a failure means.

``SmtpTransport`` keeps one connection for a run of messages and opens it again after a
failure. A failure is either ``MailRefused`` (the server said no for good, 5xx: a bad address,
a rejected message; never retried) or ``MailDeferred`` (4xx, no connection, a timeout, a
refused login: retried later). ``never_mailed`` says which addresses no message may go to.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from types import TracebackType
from urllib.parse import unquote, urlsplit

from app.platform.db import utcnow

# RFC 2606 / 6761: names that are never anyone's mailbox. Demo data uses them.
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")


class MailError(Exception):
    """A message was not delivered."""


class MailRefused(MailError):
    """The server refused the message or its recipient for good (5xx): never retried."""


class MailDeferred(MailError):
    """A temporary failure (4xx, no connection, a timeout): try again later."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: bool  # smtps: TLS from the first byte; smtp: STARTTLS when the server offers it
    user: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """``smtp://user:pass@host:587`` or ``smtps://user:pass@host:465`` (percent-encoded)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(
                "SAFEYARD_SMTP_URL must look like smtp://user:password@host:587 or "
                "smtps://user:password@host:465"
            )
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None
    message_id: str  # with its angle brackets


def domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2].strip().lower()


def never_mailed(address: str) -> bool:
    """True for an address no message may go to: not an address at all, or under a reserved
    name (.example, .test, .invalid, .localhost) as demo data uses."""
    mailbox = parseaddr(address)[1]
    local, at, domain = mailbox.rpartition("@")
    domain = domain.strip().lower().rstrip(".")
    if not at or not local or "." not in domain:
        return True
    return domain.endswith(RESERVED_SUFFIXES) or domain in {s[1:] for s in RESERVED_SUFFIXES}


def make_message_id(*, row_id: int, dedupe_key: str, sender: str) -> str:
    """A Message-ID stable for one outbox message: the same on every attempt."""
    digest = hashlib.sha256(dedupe_key.encode()).hexdigest()[:16]
    domain = domain_of(sender) or "safeyard.invalid"
    return f"<safeyard.{row_id}.{digest}@{domain}>"


def build(mail: Mail, *, sender: str) -> EmailMessage:
    """The message as it goes out: plain text, with an HTML alternative when given."""
    message = EmailMessage()
    name, address = parseaddr(sender)
    message["From"] = str(Address(display_name=name, addr_spec=address)) if name else address
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = mail.message_id
    # No out-of-office replies or bounces-of-bounces to a service mailbox.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


class SmtpTransport:
    """One SMTP connection for a run of messages (``with SmtpTransport(...) as t: t.send``)."""

    def __init__(self, config: SmtpConfig, *, sender: str, timeout_s: float) -> None:
        self.config = config
        self.sender = sender
        self.timeout_s = timeout_s
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if c.tls:
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=self.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=self.timeout_s)
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
        if c.user:
            smtp.login(c.user, c.password or "")
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def send(self, mail: Mail) -> None:
        """Deliver one message; raises MailRefused or MailDeferred."""
        message = build(mail, sender=self.sender)
        envelope_from = parseaddr(self.sender)[1]
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.send_message(
                message, from_addr=envelope_from, to_addrs=[parseaddr(mail.to)[1]]
            )
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            raise _judged(list(exc.recipients.values())) from exc
        except smtplib.SMTPDataError as exc:
            self._reset()
            raise _judged([(exc.smtp_code, exc.smtp_error)]) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # Our login, not the recipient: fix SAFEYARD_SMTP_URL; the message waits.
            self.close()
            raise MailDeferred(f"SMTP login refused: {exc.smtp_code}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise MailDeferred(f"SMTP {exc.smtp_code}: {_said(exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailDeferred(f"no connection: {type(exc).__name__}: {exc}") from exc
        if refused:
            raise _judged(list(refused.values()))

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()


def _said(text: bytes | str) -> str:
    return (text.decode("utf-8", "replace") if isinstance(text, bytes) else text)[:300]


def _judged(answers: list[tuple[int, bytes | str]]) -> MailError:
    """5xx for good, anything else for later."""
    code, text = answers[0]
    said = f"SMTP {code}: {_said(text)}"
    return MailRefused(said) if 500 <= code < 600 else MailDeferred(said)
