"""A report's cache key decided without building the report: what it shows, stamped.

Building a report's figures costs 20 ms to over a second (the district month reads a year of
submissions and the city's yards); a cached PDF must answer in far less. So the key is not a
hash of the figures but of everything they are computed from, each read as its newest change
with an indexed query, in the same transaction (so the same snapshot) as the figures would be:

- the yards' risk rows (``yard_risk.updated_at``, indexed; every submission, redaction and
  refresh rewrites its yard's row) and the newest submission (``received_at``, indexed);
- photos (added, moderated), findings (``finding_event``: every change of a finding is an
  event), offence imports, and the names the report prints (district, micro-districts,
  yards' public names);
- the checklist version, the settings that shape figures and links, the report's day in
  Almaty (windows and "this month" roll daily), its language, kind, scope and month.

Every report compares its yard or area with the city (the map's empirical-Bayes figures), so
the data part is city-wide: any new submission makes every report a new key. The template
version is added by ``app.channels.reports.service``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.areas.shapes import AreaShapes
from app.areas.sums import CHANGE_MARGIN_S
from app.channels.reports.district import shape_digest
from app.channels.reports.yard import almaty_date
from app.checklists.loader import ChecklistRegistry
from app.districts.models import District, MicroDistrict
from app.findings.models import FindingEvent
from app.offences.models import OffenceImport
from app.photos.models import Photo
from app.platform.config import Settings
from app.platform.db import table_of
from app.submissions.models import Submission
from app.yards.models import Yard
from app.yards.risk_models import YardRisk

_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)
_SUBMISSION = table_of(Submission)
_PHOTO = table_of(Photo)
_EVENT = table_of(FindingEvent)
_IMPORT = table_of(OffenceImport)
_DISTRICT = table_of(District)
_MICRO = table_of(MicroDistrict)

_NEWEST = select(
    select(func.max(_YARD_RISK.c.updated_at)).scalar_subquery(),
    select(func.count()).select_from(_YARD_RISK).scalar_subquery(),
    select(func.max(_SUBMISSION.c.received_at)).scalar_subquery(),
    select(func.count()).select_from(_YARD).scalar_subquery(),
    select(func.max(_EVENT.c.id)).scalar_subquery(),
    select(func.max(_IMPORT.c.id)).scalar_subquery(),
    select(func.count()).select_from(_PHOTO).scalar_subquery(),
    select(func.max(_PHOTO.c.created_at)).scalar_subquery(),
    select(func.max(_PHOTO.c.moderated_at)).scalar_subquery(),
)


def _recent_rows(session: Session, newest: datetime | None) -> int:
    """On PostgreSQL a transaction may commit after another that stamped its row later, so the
    newest stamp alone could miss it: the rows stamped within the margin count too."""
    if newest is None or session.get_bind().dialect.name == "sqlite":
        return 0  # SQLite: one writer at a time, rows are stamped in commit order
    since = newest - timedelta(seconds=CHANGE_MARGIN_S)
    return int(
        session.execute(
            select(func.count()).select_from(_YARD_RISK).where(_YARD_RISK.c.updated_at >= since)
        ).scalar_one()
    )


def _settings_digest(settings: Settings) -> str:
    """Every setting (a changed window or base URL is a new key; read each time, as tests and
    the CLI may change a setting in place; a secret in it never leaves the digest)."""
    body = json.dumps(settings.model_dump(mode="json"), sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _names(session: Session, *, district_id: str, yards: bool) -> str:
    """A digest of the names a report prints: the district's, its micro-districts' (tens of
    rows) and, for the area lists (``yards``), its yards' public names."""
    rows: list[Any] = list(
        session.execute(
            select(_DISTRICT.c.name_ru, _DISTRICT.c.name_kk, _DISTRICT.c.name_en).where(
                _DISTRICT.c.id == district_id
            )
        ).all()
    )
    rows += session.execute(
        select(_MICRO.c.id, _MICRO.c.name, _MICRO.c.name_kk, _MICRO.c.name_en)
        .where(_MICRO.c.district_id == district_id)
        .order_by(_MICRO.c.id)
    ).all()
    if yards:
        rows += session.execute(
            select(_YARD.c.id, _YARD.c.public_name)
            .where(_YARD.c.district_id == district_id, _YARD.c.public_name.is_not(None))
            .order_by(_YARD.c.id)
        ).all()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()[:16]


def city_stamp(
    session: Session, *, registry: ChecklistRegistry, settings: Settings, now: datetime
) -> dict[str, Any]:
    """What every report depends on: the newest change of each table it reads, the
    checklist, the settings and the day (one statement, of index-only subqueries)."""
    row = session.execute(_NEWEST).one()
    return {
        "data": [str(v) for v in row],
        "recent": _recent_rows(session, row[0]),
        "checklist": registry.current.version,
        "settings": _settings_digest(settings),
        "day": almaty_date(now).isoformat(),
    }


def yard_stamp(
    session: Session,
    *,
    yard: Yard,
    registry: ChecklistRegistry,
    settings: Settings,
    lang: str,
    now: datetime,
    submission: Submission | None = None,
) -> dict[str, Any]:
    """The key data of a yard's report (or of one ``submission``'s, with its answers)."""
    return {
        **city_stamp(session, registry=registry, settings=settings, now=now),
        "yard": [
            yard.id,
            yard.public_name,
            yard.micro_district_id,
            yard.district_id,
            yard.lat,
            yard.lon,
            yard.submission_count,
            str(yard.last_submission_at),
            yard.synthetic,
        ],
        "names": _names(session, district_id=yard.district_id, yards=False),
        "submission": None
        if submission is None
        else [
            str(submission.id),
            submission.role,
            submission.checklist_version,
            str(submission.received_at),
            submission.answers,
        ],
        "lang": lang,
    }


def area_stamp(
    session: Session,
    *,
    registry: ChecklistRegistry,
    settings: Settings,
    lang: str,
    month: str,
    now: datetime,
    district_id: str,
    micro_district_id: str | None,
    shapes: AreaShapes,
) -> dict[str, Any]:
    """The key data of a district's or micro-district's month."""
    in_district = [s.id for s in shapes.micro_districts.values() if s.district_id == district_id]
    return {
        **city_stamp(session, registry=registry, settings=settings, now=now),
        "district": district_id,
        "micro_district": micro_district_id,
        "month": month,
        "names": _names(session, district_id=district_id, yards=True),
        "shapes": shape_digest(shapes, in_district),
        "lang": lang,
    }
