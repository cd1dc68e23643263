"""A city whose audits happened a year before the offences they are held against: ~100 areas,
3 audited yards each (some 4), inspector audits received in the months before the cut-off.

Stored in bulk: yards through the yards service at points drawn inside each area, audits
scored by the real scoring and inserted as the intake's rows. The validation reads only those
rows; the intake's findings and yard figures, and the test lattice of ``tests.factories``
(seconds per district), would cost time these tests do not need. Everything is written in the
caller's session, which rolls back.

Each area has a latent condition spread across the scale and each yard a little around it, so
the areas' risks span most of 0-100 and a planted rate ratio has something to show itself on.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy import insert, select
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.demo.synthetic import synthetic_answers
from app.districts.models import District, MicroDistrict
from app.offences.population import METHOD_STREETS, area_population
from app.platform.db import table_of
from app.scoring import score_answers
from app.submissions import service as submissions_service
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate
from app.yards import service as yards_service

# The cut-off: the audits before it, the outcome window (12 months from it) long past.
AS_OF = date(2025, 6, 1)
AREAS_PER_DISTRICT = 13  # 104 areas over the 8 districts: above the ~85 the correlation needs
YARDS_PER_AREA = 3
MIN_RESIDENTS = 500  # built-up areas only: a rate over a handful of residents is noise


@dataclass(frozen=True)
class World:
    area_ids: tuple[str, ...]
    audits: int


def _points(rng: random.Random, polygon: Any, n: int) -> list[tuple[float, float]]:
    west, south, east, north = polygon.bounds
    found: list[tuple[float, float]] = []
    while len(found) < n:
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        if shapely.contains_xy(polygon, lon, lat):
            found.append((round(lat, 6), round(lon, 6)))
    return found


def _chosen_areas(session: Session, rng: random.Random) -> list[tuple[str, str, Any]]:
    """(area id, district id, its land inside the district) of AREAS_PER_DISTRICT built-up
    areas per district."""
    people = area_population(session)
    districts = {
        row.id: shape(json.loads(row.geometry))
        for row in session.execute(select(table_of(District).c.id, table_of(District).c.geometry))
    }
    area = table_of(MicroDistrict)
    shapes = dict(session.execute(select(area.c.id, area.c.geometry)).tuples().all())
    chosen = []
    for district_id in sorted(districts):
        candidates = sorted(
            a.micro_district_id
            for a in people.values()
            if a.district_id == district_id
            and a.method == METHOD_STREETS
            and a.residents >= MIN_RESIDENTS
        )
        for area_id in rng.sample(candidates, AREAS_PER_DISTRICT):
            land = shape(json.loads(shapes[area_id])).intersection(districts[district_id])
            chosen.append((area_id, district_id, land))
    return chosen


def build_world(session: Session, *, registry: ChecklistRegistry, seed: int = 16) -> World:
    """Store the world's yards and audits in ``session`` (the caller rolls back)."""
    rng = random.Random(seed)
    loaded = registry.current
    first = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC) - timedelta(days=150)
    rows: list[dict[str, Any]] = []
    chosen = _chosen_areas(session, rng)
    for area_id, district_id, land in chosen:
        condition = rng.uniform(0.1, 0.85)
        for lat, lon in _points(rng, land, YARDS_PER_AREA + (rng.random() < 0.25)):
            yard = yards_service.create_yard(
                session,
                lat=lat,
                lon=lon,
                district_id=district_id,
                micro_district_id=area_id,
                address=None,
                synthetic=True,
            )
            assert yard.id is not None
            answers = synthetic_answers(
                rng,
                loaded,
                condition=min(1.0, max(0.0, condition + rng.gauss(0, 0.08))),
                role="inspector",
            )
            data = SubmissionCreate.model_validate(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "checklist_version": loaded.version,
                    "location": {"lat": lat, "lon": lon, "accuracy_m": 8.0},
                    "answers": answers,
                }
            )
            rows.append(
                submissions_service.row_values(
                    data,
                    loaded=loaded,
                    role="inspector",
                    yard_id=yard.id,
                    micro_district_id=area_id,
                    district_id=district_id,
                    score=score_answers(loaded.scoring, data.answers, role="inspector"),
                    received_at=first + timedelta(days=rng.uniform(0, 140)),
                    synthetic=True,
                )
            )
    session.execute(insert(table_of(Submission)), rows)
    session.flush()
    return World(area_ids=tuple(a for a, _, _ in chosen), audits=len(rows))
