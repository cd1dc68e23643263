"""Photos: one picture of one checklist item of one submission, as stored files."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class Photo(SQLModel, table=True):
    id: uuid.UUID = Field(
        default_factory=uuid.uuid4,
        primary_key=True,
        description="Made by the server, or derived from the client's photo_id or "
        "Idempotency-Key so a retry finds the same photo.",
    )
    # Not a foreign key: the phone's offline queue may send a photo before its submission.
    submission_id: uuid.UUID = Field(index=True)
    item_id: str = Field(max_length=80)
    width: int = Field(description="Of the stored JPEG, upright.")
    height: int = Field(description="Of the stored JPEG, upright.")
    bytes: int = Field(description="Size of the stored JPEG.")
    content_type: str = Field(max_length=32, description="Of the upload, sniffed from its bytes.")
    stored_name: str = Field(
        max_length=64, description="The file under <data_dir>/photos, named by the server."
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
