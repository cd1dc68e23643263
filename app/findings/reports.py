"""A problem a resident reports in their own words ("report a problem" in the bot): a finding
of kind ``report`` at a yard, with its text, section, point and optional photo.

The intake's flow (``app.intake.reports.submit_report``) checks it, places it at a yard by the
checklist's own rules and calls ``open_report`` here. A report:

- is routed by its section and the yard (``section_route``): the body the item routing
  (``app.findings.routing``) sends most of the section's items of this yard to; a tie goes
  to the section's earlier item. A body that later says "not ours" sends it on by the same
  rules' last step (the district akimat);
- is open and unconfirmed: in the district inspector's queue, never public, no body
  told, no deadline, until the inspector accepts it (``app.findings.report_actions``);
- is stored once per ``client_id`` (the channel chooses it when the report starts).

Its photo is checked and re-encoded as every photo is (``app.photos.processing``: no EXIF, no
GPS), under ``<data_dir>/report-photos/`` with a random name; staff see it on the finding's
page, nobody else until the report is accepted (the moderation of a report is its accept).
"""

from __future__ import annotations

import os
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.checklists.schema import Section
from app.findings import summary
from app.findings.models import Finding, FindingEvent, FindingState, ProblemReport
from app.findings.routing import Route, Router
from app.photos.processing import process_photo
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.platform.errors import Invalid
from app.platform.languages import Lang

REPORT = "report"
TEXT_MIN = 10
TEXT_MAX = 2000
CHANNELS = frozenset({"telegram", "web"})
# A report has no answer behind it: it ranks first among its yard's items in the queue, so
# the inspector sees it before the yard's checklist findings.
REPORT_RISK = 1.0
PHOTO_FOLDER = "report-photos"
_PHOTO_NAME = re.compile(r"^[A-Za-z0-9_-]{24}\.jpg$")

_FINDING = table_of(Finding)
_EVENT = table_of(FindingEvent)
_REPORT = table_of(ProblemReport)


def section_of_item(item_id: str) -> str | None:
    """The section id of a report's finding (its ``item_id`` is ``report:<section>:<key>``)."""
    parts = item_id.split(":")
    return parts[1] if len(parts) == 3 and parts[0] == REPORT else None


def section_title(
    registry: ChecklistRegistry, *, version: str, section_id: str, lang: Lang
) -> str | None:
    """The section's title in ``lang``, from the checklist ``version``, else the current one."""
    for loaded in (registry.get(version), registry.current):
        for section in loaded.checklist.sections if loaded is not None else ():
            if section.id == section_id:
                return section.title.get(lang)
    return None


@dataclass(frozen=True)
class Checked:
    """A report's text and section, checked against the current checklist."""

    text: str
    section: Section
    loaded: LoadedChecklist


def find_report(session: Session, *, client_id: str) -> ProblemReport | None:
    return session.execute(
        select(ProblemReport).where(ProblemReport.client_id == client_id)  # type: ignore[arg-type]
    ).scalar_one_or_none()


def report_of(session: Session, *, finding_id: int) -> ProblemReport | None:
    """The report a finding of kind ``report`` was opened from."""
    return session.execute(
        select(ProblemReport).where(ProblemReport.finding_id == finding_id)  # type: ignore[arg-type]
    ).scalar_one_or_none()


def texts_of(session: Session, *, finding_ids: list[int]) -> dict[int, str]:
    """The reports' texts by finding id (for lists of findings)."""
    if not finding_ids:
        return {}
    rows = session.execute(
        select(_REPORT.c.finding_id, _REPORT.c.text).where(_REPORT.c.finding_id.in_(finding_ids))
    )
    return {r[0]: r[1] for r in rows}


def check(
    *, registry: ChecklistRegistry, client_id: str, channel: str, section_id: str, text: str
) -> Checked:
    """The report's own fields, or Invalid saying what to correct."""
    if not client_id or len(client_id) > 36 or not client_id.isascii():
        raise Invalid(
            "The report's id must be at most 36 characters (a UUID).",
            details=[{"field": "client_id", "message": "invalid"}],
        )
    if channel not in CHANNELS:
        raise Invalid(
            f"Unknown channel {channel[:20]!r}.",
            details=[{"field": "channel", "message": "unknown channel"}],
        )
    loaded = registry.current
    section = next((s for s in loaded.checklist.sections if s.id == section_id), None)
    if section is None:
        raise Invalid(
            "Choose the kind of problem from the checklist's sections.",
            details=[{"field": "section_id", "message": "no such section"}],
        )
    words = " ".join((text or "").split())
    if len(words) < TEXT_MIN:
        raise Invalid(
            f"Describe the problem in at least {TEXT_MIN} characters.",
            details=[{"field": "text", "message": f"at least {TEXT_MIN} characters"}],
        )
    if len(words) > TEXT_MAX:
        raise Invalid(
            f"The description is too long: at most {TEXT_MAX} characters.",
            details=[{"field": "text", "message": f"at most {TEXT_MAX} characters"}],
        )
    return Checked(text=words, section=section, loaded=loaded)


def section_route(router: Router, section: Section) -> Route:
    """The body that the item routing sends most of the section's items of this yard to (a
    tie: the one of the earlier item); no body when none takes any of them."""
    routes = [router.route(item.id) for item in section.items]
    votes = Counter(r.body_id for r in routes if r.body_id is not None)
    if not votes:
        return Route(None, None)
    best = max(votes.values())
    return next(r for r in routes if r.body_id is not None and votes[r.body_id] == best)


def open_report(
    session: Session,
    *,
    client_id: str,
    channel: str,
    checked: Checked,
    yard_id: int,
    district_id: str,
    micro_district_id: str | None,
    latitude: float,
    longitude: float,
    photo: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> ProblemReport:
    """Write the report's finding (open, unconfirmed, routed), its history entry and the
    report row, and refresh the yard's queue summary, in the caller's transaction."""
    now = now or utcnow()
    router = Router.for_yard(
        session,
        yard_id=yard_id,
        district_id=district_id,
        default_deadline_days=settings.finding_deadline_days,
    )
    route = section_route(router, checked.section)
    connection = session.connection()
    finding_id = connection.execute(
        insert(_FINDING)
        .values(
            yard_id=yard_id,
            # Unique per yard and kind: one finding per report, never merged with another
            # (random, not the client's id, which the public page would print).
            item_id=f"{REPORT}:{checked.section.id}:{secrets.token_hex(6)}"[:64],
            kind=REPORT,
            district_id=district_id,
            micro_district_id=micro_district_id,
            body_id=route.body_id,
            state=FindingState.open.value,
            confirmed=False,
            risk=REPORT_RISK,
            basis=REPORT,
            checklist_version=checked.loaded.version,
            opened_at=now,
            resident_passes=0,
            resident_fails=0,
            resident_reports=0,
            refused_by=[],
            reopened=0,
            updated_at=now,
        )
        .returning(_FINDING.c.id)
    ).scalar_one()
    connection.execute(
        insert(_EVENT).values(
            finding_id=finding_id,
            at=now,
            from_state=None,
            to_state=FindingState.open.value,
            actor_user_id=None,
            actor="resident",
            action="reported",
            reason=None,
            body_id=route.body_id,
            details={"channel": channel, "section": checked.section.id, "photo": bool(photo)},
        )
    )
    connection.execute(
        insert(_REPORT).values(
            client_id=client_id,
            finding_id=finding_id,
            channel=channel,
            section_id=checked.section.id,
            text=checked.text,
            latitude=latitude,
            longitude=longitude,
            photo=photo,
            created_at=now,
        )
    )
    summary.refresh(connection, yard_ids=[yard_id])
    report = find_report(session, client_id=client_id)
    assert report is not None
    return report


# -- the photo


def report_photo_path(settings: Settings, name: str) -> Path:
    """The file of a stored name; ValueError for a name the server never makes."""
    if not _PHOTO_NAME.match(name):
        raise ValueError(f"unexpected report photo name {name[:80]!r}")
    return settings.data_dir / PHOTO_FOLDER / name


def store_report_photo(data: bytes, *, settings: Settings) -> str:
    """Check, re-encode (no metadata survives) and write a report's photo; return its stored
    name. Raises PhotoRejected before anything is written. CPU-bound."""
    processed = process_photo(
        data,
        max_bytes=settings.photo_max_bytes,
        max_pixels=settings.photo_max_pixels,
        max_side=settings.photo_max_side_px,
        thumb_side=settings.photo_thumb_side_px,
        filename=None,
    )
    name = f"{secrets.token_urlsafe(18)}.jpg"
    path = report_photo_path(settings, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as file:
        file.write(processed.image)
        file.flush()
        os.fsync(file.fileno())  # on disk before the report that names it is committed
    return name


def remove_report_photo(settings: Settings, name: str) -> None:
    """Delete a stored photo whose report was not stored after all."""
    report_photo_path(settings, name).unlink(missing_ok=True)
