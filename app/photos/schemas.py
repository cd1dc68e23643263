"""What the API answers about a stored photo."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.photos.models import Photo


def photo_url(photo_id: uuid.UUID) -> str:
    return f"/photos/{photo_id}.jpg"


def thumb_url(photo_id: uuid.UUID) -> str:
    return f"/photos/{photo_id}/thumb.jpg"


class PhotoPublic(BaseModel):
    id: uuid.UUID
    submission_id: uuid.UUID
    item_id: str
    width: int
    height: int
    content_type: str
    created_at: datetime
    state: str = Field(
        description="pending, approved or rejected: only approved photos are "
        "shown beyond the sender and staff."
    )
    url: str
    thumb_url: str

    @classmethod
    def of(cls, photo: Photo) -> PhotoPublic:
        return cls(
            id=photo.id,
            submission_id=photo.submission_id,
            item_id=photo.item_id,
            width=photo.width,
            height=photo.height,
            content_type=photo.content_type,
            created_at=photo.created_at,
            state=photo.state,
            url=photo_url(photo.id),
            thumb_url=thumb_url(photo.id),
        )
