"""Findings and the history of every change to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow
from app.platform.db_types import JSONColumn


class FindingState(StrEnum):
    open = "open"  # found, not yet with its body
    sent = "sent"  # the body has it (sent, or filed by staff with the body's reference)
    in_progress = "in_progress"  # the body says it is working on it
    fix_reported = "fix_reported"  # the body or cooperative says it is fixed: awaits a check
    verified = "verified"  # a later audit (or residents' checks) found the item passing
    withdrawn = "withdrawn"  # never confirmed, and the yard's answers no longer fail it


# States in which the body still owes a fix (deadlines and "overdue" apply).
ACTIVE_STATES = (FindingState.open, FindingState.sent, FindingState.in_progress)
# States a later failing answer does not touch (the finding is still being worked on).
OPEN_STATES = (*ACTIVE_STATES, FindingState.fix_reported)


class Finding(SQLModel, table=True):
    __tablename__ = "finding"
    __table_args__ = (
        UniqueConstraint("yard_id", "item_id", "kind", name="uq_finding_yard_item_kind"),
        Index("ix_finding_body_state_deadline", "body_id", "state", "deadline_at"),
        Index("ix_finding_district_state", "district_id", "state"),
        # The outcomes' counts (app.findings.outcomes) from these indexes alone: the confirmed
        # opened in a month, and what is owed now with its deadline, by district, area or body.
        Index("ix_finding_opened", "confirmed", "opened_at", "district_id", "micro_district_id"),
        Index(
            "ix_finding_state_confirmed",
            "state",
            "confirmed",
            "deadline_at",
            "district_id",
            "micro_district_id",
            "body_id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    yard_id: int = Field(foreign_key="yard.id", index=True)
    item_id: str = Field(max_length=64)
    kind: str = Field(default="checklist", max_length=16, description="checklist or report.")
    # Copied from the yard: the scope and the queues filter this table alone.
    district_id: str = Field(foreign_key="district.id", max_length=64)
    micro_district_id: str | None = Field(
        default=None, foreign_key="micro_district.id", max_length=64, index=True
    )
    body_id: str | None = Field(default=None, foreign_key="body.id", max_length=64)
    state: str = Field(default=FindingState.open, max_length=16)
    # Public only once confirmed: an inspector audit, the cooperative's own check, or at
    # least two residents' checks say the item fails.
    confirmed: bool = Field(default=False)
    risk: float = Field(description="The item's risk in the yard's current answers, 0..1.")
    basis: str = Field(max_length=24, description="The yard consensus it was last read from.")
    checklist_version: str = Field(max_length=16)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deadline_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fix_reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fix_date: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fix_note: str | None = Field(default=None, max_length=1000)
    fix_photo: str | None = Field(default=None, max_length=200, description="Stored file name.")
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    verified_how: str | None = Field(
        default=None, max_length=24, description="audit_after_fix, audit_without_fix, residents."
    )
    # Residents' checks of the item received since the fix was reported.
    resident_passes: int = Field(default=0)
    resident_fails: int = Field(default=0)
    # Residents' checks whose own answer failed the item since it was (re)opened: two
    # confirm a finding that rests on residents alone (a split of two is not enough).
    resident_reports: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    reference: str | None = Field(default=None, max_length=120, description="The body's number.")
    assigned_user_id: int | None = Field(
        default=None, foreign_key="app_user.id", ondelete="SET NULL"
    )
    reaudit_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Bodies that answered "not ours": never routed to again for this finding.
    refused_by: list[str] = Field(
        default_factory=list, sa_column=Column(JSONColumn, nullable=False, server_default="[]")
    )
    reopened: int = Field(default=0, description="Times a later failing answer reopened it.")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FindingEvent(SQLModel, table=True):
    """One change of a finding: who, when, from which state to which, and why."""

    __tablename__ = "finding_event"
    # Outcomes count events of one action in a period across the city.
    __table_args__ = (Index("ix_finding_event_action_at", "action", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str = Field(max_length=16)
    # The account that acted; None for SafeYard itself (the intake, a new checklist version).
    actor_user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    # Who in words: "inspector audit", "residents", "cooperative", "system", or the role.
    actor: str = Field(max_length=32)
    action: str = Field(max_length=32, description="What happened, e.g. opened, reopened, sent.")
    reason: str | None = Field(default=None, max_length=1000)
    body_id: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONColumn, nullable=False, server_default="{}")
    )


class YardFindings(SQLModel, table=True):
    """Per yard, its findings still to act on, counted: the queues read ~20,000 of these
    rows instead of aggregating every finding (kept by ``app.findings.summary``)."""

    __tablename__ = "yard_findings"
    __table_args__ = (Index("ix_yard_findings_district", "district_id", "next_deadline"),)

    yard_id: int = Field(foreign_key="yard.id", primary_key=True, ondelete="CASCADE")
    district_id: str = Field(foreign_key="district.id", max_length=64)
    micro_district_id: str | None = Field(
        default=None, foreign_key="micro_district.id", max_length=64, index=True
    )
    active: int = Field(default=0, description="Confirmed findings the body still owes a fix.")
    unconfirmed: int = Field(default=0)
    awaiting: int = Field(default=0, description="Fixes reported, waiting for a check.")
    next_deadline: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="The earliest deadline of the active."
    )
    reaudit_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    top_risk: float | None = Field(default=None, description="The highest risk of the active.")
    assigned_user_id: int | None = Field(
        default=None, foreign_key="app_user.id", ondelete="SET NULL"
    )


class ProblemReport(SQLModel, table=True):
    """A problem a resident reported in their own words (a finding of kind ``report``)."""

    __tablename__ = "problem_report"

    id: int | None = Field(default=None, primary_key=True)
    # Chosen by the channel when the report starts: a repeated send stores one report.
    client_id: str = Field(max_length=36, unique=True)
    finding_id: int = Field(foreign_key="finding.id", ondelete="CASCADE", unique=True)
    channel: str = Field(max_length=16, description="telegram or web.")
    section_id: str = Field(max_length=64, description="The checklist section it is about.")
    text: str = Field(max_length=2000)
    latitude: float
    longitude: float
    photo: str | None = Field(default=None, max_length=200, description="Stored file name.")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
