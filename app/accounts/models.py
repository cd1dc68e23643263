"""Users, what they are linked to, and failed login attempts (for the lock-out)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow


class UserRole(StrEnum):
    cooperative = "cooperative"
    inspector = "inspector"
    admin = "admin"
    official = "official"  # staff of a responsible body (akimat department, utility)


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, description="Lower-cased.")
    name: str = Field(max_length=200)
    role: str = Field(max_length=32, description="cooperative, inspector or admin.")
    password_hash: str = Field(max_length=500)
    active: bool = Field(default=True)
    city_wide: bool = Field(default=False, description="An inspector of the whole city.")
    # Raised when the password, role or active flag changes: older session cookies stop working.
    session_version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The second factor (RFC 6238): the secret sealed with a key derived from the signing key
    # (app/accounts/totp.py), set at enrolment and unused until a first code confirms it.
    totp_secret: str | None = Field(default=None, max_length=500)
    totp_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The time step of the last code accepted: a code is never accepted twice.
    totp_last_step: int | None = Field(default=None)
    # Set by an admin's password reset: the next login must choose a new password.
    must_change_password: bool = Field(default=False)


class UserDistrict(SQLModel, table=True):
    __tablename__ = "user_district"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    district_id: str = Field(foreign_key="district.id", primary_key=True, max_length=64)


class UserMicroDistrict(SQLModel, table=True):
    __tablename__ = "user_micro_district"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    micro_district_id: str = Field(foreign_key="micro_district.id", primary_key=True, max_length=64)


class UserYard(SQLModel, table=True):
    __tablename__ = "user_yard"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    yard_id: int = Field(foreign_key="yard.id", primary_key=True)


class LoginAttempt(SQLModel, table=True):
    """A failed login, kept in the database so the lock-out holds across workers."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, index=True)
    ip: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
