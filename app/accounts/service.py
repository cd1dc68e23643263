"""Users: create, change, authenticate (with the lock-out). What a user may see: scope.py.

Services never commit; the caller's write session does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, delete, func, select

from app.accounts import security
from app.accounts.models import (
    LoginAttempt,
    User,
    UserDistrict,
    UserMicroDistrict,
    UserRole,
    UserYard,
)
from app.districts.models import District, MicroDistrict
from app.platform.db import utcnow
from app.platform.errors import AppError, Conflict, Invalid
from app.yards.models import Yard

MIN_PASSWORD_LENGTH = 10


class LockedOut(AppError):
    status_code = 429
    code = "locked_out"


@dataclass(frozen=True)
class Links:
    district_ids: list[str]
    micro_district_ids: list[str]
    yard_ids: list[int]
    city_wide: bool = False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def links_of(session: Session, user: User) -> Links:
    return Links(
        district_ids=list(
            session.exec(select(UserDistrict.district_id).where(UserDistrict.user_id == user.id))
        ),
        micro_district_ids=list(
            session.exec(
                select(UserMicroDistrict.micro_district_id).where(
                    UserMicroDistrict.user_id == user.id
                )
            )
        ),
        yard_ids=list(session.exec(select(UserYard.yard_id).where(UserYard.user_id == user.id))),
        city_wide=user.city_wide,
    )


def _check_links(session: Session, role: UserRole, links: Links) -> None:
    # An official has no district or yard links: it acts for bodies (body_member, managed
    # on the bodies' admin page), which the findings read, not the scope.
    if role != UserRole.inspector and (
        links.district_ids or links.micro_district_ids or links.city_wide
    ):
        raise Invalid("Only inspectors are linked to districts, micro-districts or the city.")
    if role != UserRole.cooperative and links.yard_ids:
        raise Invalid("Only housing cooperatives are linked to yards.")
    unknown = (
        [f"district {d}" for d in links.district_ids if session.get(District, d) is None]
        + [
            f"micro-district {m}"
            for m in links.micro_district_ids
            if session.get(MicroDistrict, m) is None
        ]
        + [f"yard {y}" for y in links.yard_ids if session.get(Yard, y) is None]
    )
    if unknown:
        # Echo a few, each cut short: the form's text comes back on the page.
        shown = ", ".join(item[:60] for item in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise Invalid(f"Unknown: {shown}{more}. Check the ids in the list of areas.")


def _set_links(session: Session, user: User, links: Links) -> None:
    assert user.id is not None
    for table in (UserDistrict, UserMicroDistrict, UserYard):
        session.exec(delete(table).where(col(table.user_id) == user.id))
    session.add_all([UserDistrict(user_id=user.id, district_id=d) for d in set(links.district_ids)])
    session.add_all(
        [
            UserMicroDistrict(user_id=user.id, micro_district_id=m)
            for m in set(links.micro_district_ids)
        ]
    )
    session.add_all([UserYard(user_id=user.id, yard_id=y) for y in set(links.yard_ids)])
    user.city_wide = links.city_wide


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")


def create_user(
    session: Session, *, email: str, name: str, role: UserRole, password: str, links: Links
) -> User:
    """A new active user; Conflict if the email is taken, Invalid for a bad link or password."""
    email = normalise_email(email)
    if "@" not in email:
        raise Invalid("Give an email address.")
    if find_user(session, email) is not None:
        raise Conflict(f"There is already a user {email}.")
    check_password(password)
    _check_links(session, role, links)
    user = User(
        email=email,
        name=name.strip() or email,
        role=role,
        password_hash=security.hash_password(password),
    )
    session.add(user)
    session.flush()
    _set_links(session, user, links)
    session.flush()
    return user


def update_user(
    session: Session, *, user: User, role: UserRole, active: bool, links: Links
) -> User:
    """Change a user's role, links and status; a change of role or status ends their sessions."""
    _check_links(session, role, links)
    if user.role != role or user.active != active:
        user.session_version += 1
    user.role = role
    user.active = active
    _set_links(session, user, links)
    session.add(user)
    session.flush()
    return user


def end_sessions(session: Session, *, user: User) -> None:
    user.session_version += 1
    session.add(user)
    session.flush()


def _recent_failures(session: Session, *, email: str, ip: str, minutes: int) -> int:
    since = utcnow() - timedelta(minutes=minutes)
    return session.exec(
        select(func.count()).where(
            LoginAttempt.email == email, LoginAttempt.ip == ip, LoginAttempt.at >= since
        )
    ).one()


def forget_old_attempts(session: Session, *, minutes: int) -> None:
    """Delete failed logins older than the lock-out window: they lock no one out any more,
    and each holds an email and an address (done on each failure; indexed on ``at``)."""
    since = utcnow() - timedelta(minutes=minutes)
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < since))


def refuse_when_locked_out(
    session: Session, *, email: str, ip: str, max_failures: int, minutes: int
) -> None:
    """LockedOut after ``max_failures`` failed passwords or codes from this address for this
    account within ``minutes``."""
    if _recent_failures(session, email=email, ip=ip, minutes=minutes) >= max_failures:
        raise LockedOut(f"Too many failed logins. Try again in {minutes} minutes.")


def clear_failures(session: Session, *, email: str, ip: str) -> None:
    """Forget the failures of a login that is complete (every factor passed)."""
    session.exec(
        delete(LoginAttempt).where(col(LoginAttempt.email) == email, col(LoginAttempt.ip) == ip)
    )


def authenticate(
    session: Session, *, email: str, password: str, ip: str, max_failures: int, minutes: int
) -> User | None:
    """The active user with this email and password, or None (a failure is recorded).

    Raises LockedOut after ``max_failures`` failures from this address for this account
    within ``minutes``, without checking the password. Failures are kept: the caller clears
    them (``clear_failures``) once the login is complete, so a known password does not
    reset the count of wrong second-factor codes.
    """
    email = normalise_email(email)
    refuse_when_locked_out(session, email=email, ip=ip, max_failures=max_failures, minutes=minutes)
    user = find_user(session, email)
    if user is None:
        security.verify_password(password, security.DUMMY_HASH)
    elif security.verify_password(password, user.password_hash) and user.active:
        return user
    session.add(LoginAttempt(email=email, ip=ip))
    forget_old_attempts(session, minutes=minutes)
    session.flush()
    return None


def reset_password(session: Session, *, user: User) -> str:
    """Give the user a random temporary password (returned, to be shown once), which they
    must replace at their next login; their sessions end."""
    temporary = secrets.token_urlsafe(12)
    user.password_hash = security.hash_password(temporary)
    user.must_change_password = True
    end_sessions(session, user=user)
    return temporary


def change_password(session: Session, *, user: User, password: str) -> None:
    """The user's own new password (Invalid when too short or the temporary one again);
    every session of theirs ends, the caller issues a new cookie."""
    check_password(password)
    if security.verify_password(password, user.password_hash):
        raise Invalid("Choose a password different from the temporary one.")
    user.password_hash = security.hash_password(password)
    user.must_change_password = False
    end_sessions(session, user=user)


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.email))))
