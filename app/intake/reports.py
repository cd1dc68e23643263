"""Receiving a problem report from any channel (the bot's "report a problem"): one function,
one savepoint, as a checklist is received.

It lives here, not in ``app.findings``, because it places the report at a yard with the
intake's own rules (``app.intake.placement``: a yard near the point within
``SAFEYARD_YARD_MATCH_RADIUS_M``, else a new one; outside Almaty the same message), and the
findings layer sits below the intake. What a report is: ``app.findings.reports``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.findings import reports
from app.findings.models import ProblemReport
from app.geo.locator import AreaIndex
from app.intake import placement
from app.platform.config import Settings
from app.platform.errors import Invalid
from app.submissions.schemas import LocationIn, SubmissionCreate


def submit_report(
    session: Session,
    *,
    client_id: str,
    channel: str,
    section_id: str,
    text: str,
    latitude: float,
    longitude: float,
    photo: bytes | None,
    registry: ChecklistRegistry,
    areas: AreaIndex | None,
    settings: Settings,
    now: datetime | None = None,
) -> ProblemReport:
    """Check, place and store a report once per ``client_id`` (a repeated send returns the
    stored one, whatever it carries), in the caller's transaction (never committed here).

    Raises Invalid (text, section, a location outside Almaty, a photo that is no picture
    is PhotoRejected) before anything is stored; Unavailable with no boundaries loaded.
    The photo is processed before the database is touched (CPU-bound: on SQLite a write
    transaction would wait for it) and removed again if the report is not stored.
    """
    existing = reports.find_report(session, client_id=client_id)
    if existing is not None:
        return existing
    checked = reports.check(
        registry=registry, client_id=client_id, channel=channel, section_id=section_id, text=text
    )
    location = LocationIn.model_construct(lat=float(latitude), lon=float(longitude))
    if not (-90 <= location.lat <= 90 and -180 <= location.lon <= 180):
        raise Invalid(
            "The location is not a point on Earth.",
            details=[{"field": "location", "message": "invalid"}],
        )
    # Placement reads only the point (no yard named, no address): the rest is never stored.
    where = SubmissionCreate.model_construct(
        id=uuid.uuid4(),
        checklist_version=checked.loaded.version,
        answers={},
        location=location,
        yard_id=None,
        address=None,
    )
    stored_photo = reports.store_report_photo(photo, settings=settings) if photo else None
    savepoint = session.begin_nested()
    try:
        yard = placement.place(session, where, areas=areas, settings=settings, synthetic=False)
        assert yard.id is not None
        report = reports.open_report(
            session,
            client_id=client_id,
            channel=channel,
            checked=checked,
            yard_id=yard.id,
            district_id=yard.district_id,
            micro_district_id=yard.micro_district_id,
            latitude=location.lat,
            longitude=location.lon,
            photo=stored_photo,
            settings=settings,
            now=now,
        )
    except BaseException as exc:
        if savepoint.is_active:
            savepoint.rollback()
        if stored_photo is not None:
            reports.remove_report_photo(settings, stored_photo)
        if isinstance(exc, IntegrityError):
            # Another request stored this id a moment ago: answer as a retry.
            again = reports.find_report(session, client_id=client_id)
            if again is not None:
                return again
        raise
    savepoint.commit()
    return report
