"""The second factor and the steps of a login: password, code (or enrolment), new password.

Services never commit; the caller's write session does.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Session

from app.accounts import service as accounts_service
from app.accounts import totp
from app.accounts.models import LoginAttempt, User, UserRole
from app.platform.db import utcnow
from app.platform.errors import Invalid

# Roles that must have a second factor (when SAFEYARD_REQUIRE_TOTP is on). Cooperatives and
# officials may enrol (/account/second-factor): once enrolled, they are asked for the code too.
TOTP_ROLES = frozenset({UserRole.admin, UserRole.inspector})


class Stage(StrEnum):
    enrol = "enrol"  # password passed; this user must set up a second factor first
    code = "code"  # password passed; the six-digit code is next
    new_password = "new_password"  # an admin reset the password: choose your own
    done = "done"


def enrolled(user: User) -> bool:
    return user.totp_confirmed_at is not None


def needs_second_factor(user: User, *, require_totp: bool) -> bool:
    return enrolled(user) or (require_totp and user.role in TOTP_ROLES)


def login_stage(user: User, *, second_factor_passed: bool, require_totp: bool) -> Stage:
    """Where a session of this user stands; only ``done`` reaches the site as that user."""
    if not second_factor_passed and needs_second_factor(user, require_totp=require_totp):
        return Stage.code if enrolled(user) else Stage.enrol
    if user.must_change_password:
        return Stage.new_password
    return Stage.done


def enrolment_secret(session: Session, *, user: User, key: str) -> str:
    """The secret to show while enrolling: the pending one, or a new one (stored sealed).
    Refuses an enrolled user: a confirmed secret is never shown again."""
    if enrolled(user):
        raise Invalid("This account already has a second factor.")
    secret = totp.unseal(key, user.totp_secret) if user.totp_secret else None
    if secret is None:
        secret = totp.new_secret()
        user.totp_secret = totp.seal(key, secret)
        session.add(user)
        session.flush()
    return secret


def check_code(
    session: Session,
    *,
    user: User,
    key: str,
    code: str,
    ip: str,
    max_failures: int,
    minutes: int,
) -> bool:
    """True when ``code`` is this user's current code (pending or confirmed secret), not used
    before. A wrong code counts as a failed login; LockedOut once there are too many."""
    accounts_service.refuse_when_locked_out(
        session, email=user.email, ip=ip, max_failures=max_failures, minutes=minutes
    )
    secret = totp.unseal(key, user.totp_secret) if user.totp_secret else None
    step = (
        totp.matching_step(secret, code, last_step=user.totp_last_step)
        if secret is not None
        else None
    )
    if step is None:
        session.add(LoginAttempt(email=user.email, ip=ip))
        accounts_service.forget_old_attempts(session, minutes=minutes)
        session.flush()
        return False
    user.totp_last_step = step
    if not enrolled(user):
        user.totp_confirmed_at = utcnow()
    accounts_service.clear_failures(session, email=user.email, ip=ip)
    session.add(user)
    session.flush()
    return True


def reset_second_factor(session: Session, *, user: User) -> None:
    """Forget the user's second factor (a lost phone): the next login enrols again. Ends
    their sessions."""
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    accounts_service.end_sessions(session, user=user)
