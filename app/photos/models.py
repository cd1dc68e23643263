"""Photos: one picture of one checklist item of one submission, as stored files."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow


class PhotoState(StrEnum):
    """Moderation: a resident's photo is public only once staff approved it."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class Photo(SQLModel, table=True):
    id: uuid.UUID = Field(
        default_factory=uuid.uuid4,
        primary_key=True,
        description="Made by the server, or derived from the client's photo_id or "
        "Idempotency-Key so a retry finds the same photo.",
    )
    # A photo is accepted only after its submission is stored (the upload token comes with
    # the submission's answer), so it always has one: no orphan rows.
    submission_id: uuid.UUID = Field(foreign_key="submission.id", ondelete="CASCADE", index=True)
    item_id: str = Field(max_length=80)
    width: int = Field(description="Of the stored JPEG, upright.")
    height: int = Field(description="Of the stored JPEG, upright.")
    bytes: int = Field(description="Size of the stored JPEG.")
    content_type: str = Field(max_length=32, description="Of the upload, sniffed from its bytes.")
    stored_name: str = Field(
        max_length=64, description="The file under <data_dir>/photos, named by the server."
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    state: str = Field(
        default=PhotoState.pending,
        max_length=16,
        index=True,
        description="pending, approved or rejected: public pages and reports show approved only.",
    )
    moderated_by: int | None = Field(
        default=None,
        foreign_key="app_user.id",
        ondelete="SET NULL",
        description="The inspector or admin who approved or rejected it.",
    )
    moderated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
