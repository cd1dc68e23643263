"""The notification settings (e-mail, the sender, digests), part of ``Settings``."""

from typing import Self

from pydantic import BaseModel, Field, model_validator


class NotificationSettings(BaseModel):
    """Mixed into ``app.platform.config.Settings`` (prefix ``SAFEYARD_``)."""

    smtp_url: str | None = Field(
        default=None,
        description="Where e-mail goes out: smtp://user:password@host:587 (STARTTLS when the "
        "server offers it) or smtps://user:password@host:465 (TLS from the start); user and "
        "password percent-encoded. Unset: nothing is sent, messages wait in the outbox.",
    )
    mail_from: str = Field(
        default="SafeYard <noreply@safeyard.invalid>",
        max_length=320,
        description="The From of every message, e.g. 'SafeYard <safeyard@akimat.kz>'; its "
        "domain also ends every Message-ID.",
    )
    notifications_worker: bool = Field(
        default=False,
        description="Run the notifications sender in a thread of the service (one worker "
        "process is enough; senders on other hosts are safe too, each message is leased). "
        "Off: run 'safeyard send-notifications' as its own process.",
    )
    notifications_interval_s: float = Field(
        default=30.0,
        gt=0,
        description="How often a running sender looks for due messages and digests, seconds.",
    )
    notifications_lease_s: float = Field(
        default=600.0,
        gt=0,
        description="How long a sender holds a message it is sending; a sender that died holding "
        "one leaves it to the next after this. More than ten times SAFEYARD_SMTP_TIMEOUT_S.",
    )
    smtp_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="How long one SMTP conversation step may take before the attempt is "
        "given up and retried later.",
    )
    notifications_max_attempts: int = Field(
        default=8,
        ge=1,
        description="Attempts at a message that keeps failing temporarily (4xx, no "
        "connection) before it is given up; waits between attempts double from a minute.",
    )
    digest_schedule: str = Field(
        default="mon 09",
        pattern=r"^\s*(off|(daily|(mon|tue|wed|thu|fri|sat|sun)(,(mon|tue|wed|thu|fri|sat|sun))*)"
        r"\s+([01]?\d|2[0-3]))\s*$",
        description="When the digests go to bodies and inspectors, Asia/Almaty time: weekdays "
        "and an hour ('mon 09', 'mon,thu 8', 'daily 9') or 'off'. Each covers the time since "
        "the previous one.",
    )
    reaudit_reminder_days: int = Field(
        default=7,
        ge=1,
        description="A fix reported this many days ago and still not verified: the district's "
        "inspectors are reminded again (they are first told when it is reported).",
    )

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Self:
        # A sender still waiting on the SMTP server must never lose its message to another.
        # A message's conversation (connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA,
        # the end of data) is at most ten steps of SAFEYARD_SMTP_TIMEOUT_S each.
        if self.notifications_lease_s <= self.smtp_timeout_s * 10:
            raise ValueError(
                "SAFEYARD_NOTIFICATIONS_LEASE_S must be more than ten times "
                "SAFEYARD_SMTP_TIMEOUT_S: a sender still sending must not lose its message to "
                "another sender."
            )
        return self
