"""The shape of an appeal (``app.channels.reports.appeal``): frozen dataclasses holding only
what anyone may read on the yard's public page, plus the applicant the reader typed.

Every text is already in the appeal's language. There is deliberately no field for a fix
note, a body's reference, an assignee, a submission id or an address a sender typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.channels.reports.appeal_form import Applicant
from app.platform.languages import Lang


@dataclass(frozen=True)
class BodyChoice:
    """A body with confirmed findings still to fix at the yard (the form's list)."""

    id: str
    name: str
    findings: int


@dataclass(frozen=True)
class AppealFinding:
    item_id: str
    question: str
    remedy: str
    state: str  # open, sent, in_progress
    found_on: date
    confirmed_on: date | None
    deadline_on: date
    deadline_set: bool  # the body's deadline already runs (else: asked for, from today)
    overdue: bool
    photos: tuple[str, ...]  # approved thumbnails (files named by the server)


@dataclass(frozen=True)
class Appeal:
    lang: Lang
    appeal_date: date  # Almaty date
    body_name: str
    body_place: str  # the body's district, or the city for a city-wide body
    eotinish_category: str | None
    yard_id: int
    yard_title: str  # app.yards.naming.public_title: never an address a sender typed
    district_name: str
    area_name: str | None
    near: str | None
    lat: float
    lon: float
    twogis_url: str
    osm_url: str
    yard_url: str  # the yard's public page
    synthetic: bool
    findings: tuple[AppealFinding, ...]
    applicant: Applicant
