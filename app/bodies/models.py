"""Responsible bodies, the checklist items they answer for (FixMyStreet's ``Contact``), the
yards a housing cooperative keeps and the accounts that act for a body."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.platform.db import UTCDateTime, utcnow


class BodyKind(StrEnum):
    akimat = "akimat"  # the district akimat itself
    akimat_housing = "akimat_housing"  # its housing department: cooperatives' items by default
    police = "police"  # the district police department
    utility = "utility"  # lighting, water, power
    ops_centre = "ops_centre"  # the city's operations centre (cameras, panic buttons)
    cooperative = "cooperative"  # a housing cooperative / ОСИ: routes only for its own yards
    other = "other"


class BodyChannel(StrEnum):
    email = "email"  # the sender of the notifications delivers by e-mail
    eotinish = "eotinish"  # filed by staff through eOtinish; the reference is typed back
    phone = "phone"  # called by staff; the reference (or the call's date) is typed back


class Body(SQLModel, table=True):
    __tablename__ = "body"

    id: str = Field(primary_key=True, max_length=64, description="A slug, e.g. almaly-housing.")
    # None: a city-wide body (the operations centre), routed to when no district body answers.
    district_id: str | None = Field(
        default=None, foreign_key="district.id", max_length=64, index=True
    )
    kind: str = Field(max_length=24)
    name: str = Field(max_length=200, description="Russian, the default language.")
    name_kk: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    channel: str = Field(default="email", max_length=16)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    eotinish_category: str | None = Field(default=None, max_length=200)
    # Days a finding may wait for a fix once the body has it; an item may set its own.
    deadline_days: int = Field(default=30)
    active: bool = Field(default=True)
    # Demo data (addresses under .example): never sent anything.
    synthetic: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BodyItem(SQLModel, table=True):
    """A checklist item a body answers for. Among the non-cooperative bodies of one district
    an item has one body (checked by the bodies service, as FixMyStreet's body x category)."""

    __tablename__ = "body_item"
    __table_args__ = (Index("ix_body_item_item", "item_id"),)

    body_id: str = Field(foreign_key="body.id", primary_key=True, max_length=64, ondelete="CASCADE")
    item_id: str = Field(primary_key=True, max_length=64)
    deadline_days: int | None = Field(default=None, description="Overrides the body's.")


class YardCooperative(SQLModel, table=True):
    """The housing cooperative that keeps a yard (at most one)."""

    __tablename__ = "yard_cooperative"

    yard_id: int = Field(foreign_key="yard.id", primary_key=True, ondelete="CASCADE")
    body_id: str = Field(foreign_key="body.id", max_length=64, index=True, ondelete="CASCADE")


class BodyMember(SQLModel, table=True):
    """An account that acts for a body (its findings page, "report a fix", "not ours")."""

    __tablename__ = "body_member"

    body_id: str = Field(foreign_key="body.id", primary_key=True, max_length=64, ondelete="CASCADE")
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
