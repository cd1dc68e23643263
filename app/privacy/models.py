"""The record that a submission's free text and photos were deleted on request."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow


class SubmissionRedaction(SQLModel, table=True):
    """A submission whose comments and photos were removed on request; its answers and score
    stay. One row per submission: the mark that it was redacted, when and by whom."""

    __tablename__ = "submission_redaction"

    submission_id: uuid.UUID = Field(primary_key=True, foreign_key="submission.id")
    redacted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # None: from the command line (safeyard redact), run by whoever operates the server.
    redacted_by: int | None = Field(default=None, foreign_key="app_user.id")
    texts_removed: int = Field(description="The comment plus the item comments removed.")
    photos_removed: int
