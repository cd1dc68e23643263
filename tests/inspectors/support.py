"""Helpers for the inspectors' tests: places inside a given district, staff clients."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlmodel import Session, select

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.districts.models import District, MicroDistrict
from app.intake import service as intake_service
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.schemas import SubmissionCreate
from app.yards import service as yards_service
from tests.accounts.support import create_user, logged_in
from tests.factories import answers_for, new_location


def place_in(session: Session, district_id: str, index: int = 0) -> tuple[str, float, float]:
    """(micro-district id, lat, lon): a point of its own (``new_location``) inside both the
    district and one of its micro-districts (the ``index``-th by id)."""
    district = session.get(District, district_id)
    assert district is not None
    outline = shape(json.loads(district.geometry))
    cells = session.exec(
        select(MicroDistrict)
        .where(MicroDistrict.district_id == district_id)
        .order_by(MicroDistrict.id)
    ).all()
    found = 0
    for cell in cells:
        inside = shape(json.loads(cell.geometry)).intersection(outline)
        if "~" in cell.id or inside.area < shape(json.loads(cell.geometry)).area * 0.9:
            continue  # a piece of a cut cell, or a border cell: small, or near the neighbour
        if found == index:
            point = new_location(district_id, micro_district=cell.id)
            return cell.id, point["lat"], point["lon"]
        found += 1
    raise AssertionError(f"no inner micro-district no. {index} in {district_id}")


def staff_client(
    app: object,
    db: Database,
    role: UserRole,
    *,
    districts: list[str] | None = None,
    micro_districts: list[str] | None = None,
    city_wide: bool = False,
) -> TestClient:
    links = accounts_service.Links(districts or [], micro_districts or [], [], city_wide)
    return logged_in(app, create_user(db, role=role, links=links))


def new_yard(session: Session, *, district_id: str, micro_district_id: str, address: str) -> int:
    """A yard at a point of its own in the micro-district; its id."""
    where = new_location(district_id, micro_district=micro_district_id)
    yard = yards_service.create_yard(
        session,
        lat=where["lat"],
        lon=where["lon"],
        district_id=district_id,
        micro_district_id=micro_district_id,
        address=address,
    )
    assert yard.id is not None
    return yard.id


def submit_at(
    session: Session,
    registry: ChecklistRegistry,
    settings: Settings,
    *,
    yard_id: int,
    at: datetime,
    pick: str,
    role: str = "resident",
) -> float:
    """A submission received at ``at``; returns its risk index."""
    data = SubmissionCreate.model_validate(
        {
            "id": str(uuid.uuid4()),
            "checklist_version": registry.current.version,
            "yard_id": yard_id,
            "answers": answers_for(registry.current, pick=pick, role=role),
        }
    )
    accepted = intake_service.receive_checklist(
        session,
        data=data,
        registry=registry,
        areas=None,
        settings=settings,
        role=role,
        received_at=at,
    )
    assert accepted.submission.risk_index is not None
    return float(accepted.submission.risk_index)
