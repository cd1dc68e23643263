"""One row per staff view of personal-level data, report download, export, admin action
and login (see ``app.audit.service``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # None: an anonymous holder's download (a resident's own report).
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    action: str = Field(max_length=48, index=True, description="An AuditAction value.")
    target: str = Field(
        max_length=200, description="What was opened or changed: 'yard:12', 'export:areas.csv'."
    )
    ip: str = Field(default="", max_length=64)
