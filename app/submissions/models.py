"""Submissions: one filled checklist for one yard, by a resident or an inspector."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow
from app.platform.db_types import JSONColumn


class Submission(SQLModel, table=True):
    # One place's submissions in a period (the yard's window, the monthly trend).
    __table_args__ = (
        Index("ix_submission_yard_received", "yard_id", "received_at"),
        Index("ix_submission_micro_district_received", "micro_district_id", "received_at"),
        Index("ix_submission_district_received", "district_id", "received_at"),
    )

    id: uuid.UUID = Field(primary_key=True, description="Made by the client, so retries are safe.")
    checklist_version: str = Field(foreign_key="checklist_version.version", max_length=16)
    scoring_version: str = Field(max_length=16)
    role: str = Field(max_length=16, description="resident, inspector or cooperative")
    yard_id: int = Field(foreign_key="yard.id")
    micro_district_id: str | None = Field(
        default=None, foreign_key="micro_district.id", max_length=64
    )
    district_id: str = Field(foreign_key="district.id", max_length=64)
    answers: dict[str, Any] = Field(sa_column=Column(JSONColumn, nullable=False))
    comment: str | None = Field(default=None, max_length=2000)
    item_comments: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONColumn, nullable=False, server_default="{}")
    )
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    risk_index: float | None = None
    band: str | None = Field(default=None, max_length=16)
    completeness: float
    section_scores: dict[str, Any] = Field(sa_column=Column(JSONColumn, nullable=False))
    client_created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    body_sha256: str = Field(max_length=64, description="Hash of the canonical body (409 check).")
    synthetic: bool = Field(default=False, description="Generated demo data, not a real audit.")


class SubmissionRedaction(SQLModel, table=True):
    """A submission whose comments and photos were removed on request; its answers and score
    stay. One row per submission: the mark that it was redacted, when and by whom.

    Beside the submission (not in ``app.privacy``): photo uploads read it to refuse photos
    for a redacted submission, and privacy writes it; both depend on submissions only.
    """

    __tablename__ = "submission_redaction"

    submission_id: uuid.UUID = Field(primary_key=True, foreign_key="submission.id")
    redacted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # None: from the command line (safeyard redact), run by whoever operates the server.
    redacted_by: int | None = Field(default=None, foreign_key="app_user.id")
    texts_removed: int = Field(description="The comment plus the item comments removed.")
    photos_removed: int
