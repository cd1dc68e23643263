"""Failed logins are forgotten once they are older than the lock-out window."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from app.accounts import service as accounts_service
from app.accounts.models import LoginAttempt
from app.platform.db import utcnow


class TestForgetOldAttempts:
    def test_a_failure_removes_expired_rows_and_keeps_recent_ones(self, session: Session) -> None:
        old = LoginAttempt(
            email="old@example.kz", ip="198.51.100.1", at=utcnow() - timedelta(days=3)
        )
        recent = LoginAttempt(
            email="recent@example.kz", ip="198.51.100.2", at=utcnow() - timedelta(minutes=5)
        )
        session.add_all([old, recent])
        session.flush()
        user = accounts_service.authenticate(
            session,
            email="nobody@example.kz",
            password="wrong password",
            ip="198.51.100.3",
            max_failures=5,
            minutes=15,
        )
        session.flush()
        assert user is None
        emails = set(session.exec(select(LoginAttempt.email)))
        assert "old@example.kz" not in emails
        assert {"recent@example.kz", "nobody@example.kz"} <= emails

    def test_the_lock_out_still_counts_the_window(self, session: Session) -> None:
        for _ in range(5):
            accounts_service.authenticate(
                session,
                email="x@example.kz",
                password="no",
                ip="198.51.100.9",
                max_failures=5,
                minutes=15,
            )
        session.flush()
        try:
            accounts_service.authenticate(
                session,
                email="x@example.kz",
                password="no",
                ip="198.51.100.9",
                max_failures=5,
                minutes=15,
            )
        except accounts_service.LockedOut:
            return
        raise AssertionError("the sixth try within the window must be locked out")
