"""The demo's audit campaign of a year ago: inspectors audited 3-4 yards in each of a hundred
built-up areas in the 12 months before the validation's cut-off, so the demo's synthetic
offences of the year after have an index to be held against (docs/VALIDATION.md, "The demo's
synthetic offences").

The demo's everyday submissions all fall in the last year, after the cut-off; the validation
never counts an audit made after it. Everything here is synthetic and stored through the real
intake (placed, scored, findings kept), received in time order before the everyday ones.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import shapely
from shapely.geometry import shape
from sqlalchemy import select

from app.checklists.loader import ChecklistRegistry
from app.checklists.schema import NOT_APPLICABLE
from app.demo.synthetic import NAMESPACE, synthetic_answers
from app.districts.models import District, MicroDistrict
from app.geo.locator import AreaIndex
from app.intake import service as intake
from app.offences.population import METHOD_STREETS, area_population
from app.platform.config import Settings
from app.platform.db import Database, table_of
from app.submissions.schemas import LocationIn, SubmissionCreate

MIN_RESIDENTS = 1000  # audits go where people live
YARDS = (3, 4)  # per area: the validation ranks an area from 3 audited yards
_AREA = table_of(MicroDistrict)
_DISTRICT = table_of(District)


def _plan(db: Database, *, rng: random.Random, n_areas: int) -> list[tuple[float, float, float]]:
    """(lat, lon, condition) of each campaign yard, in ``n_areas`` built-up areas spread over
    the districts by their residents."""
    with db.session() as session:
        people = area_population(session)
        districts = {
            row.id: shape(json.loads(row.geometry))
            for row in session.execute(select(_DISTRICT.c.id, _DISTRICT.c.geometry))
        }
        shapes = dict(session.execute(select(_AREA.c.id, _AREA.c.geometry)).all())
    candidates = sorted(
        a.micro_district_id
        for a in people.values()
        if a.method == METHOD_STREETS and a.residents >= MIN_RESIDENTS
    )
    plan: list[tuple[float, float, float]] = []
    for area_id in rng.sample(candidates, min(n_areas, len(candidates))):
        land = shape(json.loads(shapes[area_id])).intersection(
            districts[people[area_id].district_id]
        )
        # Yards of one area share much of their condition: neighbours, one developer, one
        # cooperative; the areas differ across most of the scale.
        area_condition = rng.betavariate(2.0, 2.6)
        west, south, east, north = land.bounds
        wanted = rng.choice(YARDS)
        while wanted:
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            if shapely.contains_xy(land, lon, lat):
                yard_condition = min(1.0, max(0.0, area_condition + rng.gauss(0, 0.1)))
                plan.append((round(lat, 6), round(lon, 6), yard_condition))
                wanted -= 1
    return plan


def audit_campaign(
    db: Database,
    *,
    registry: ChecklistRegistry,
    areas: AreaIndex,
    settings: Settings,
    before: date,
    n_areas: int,
    seed: int,
) -> int:
    """Inspector audits of yards in ``n_areas`` areas, received in the 12 months before
    ``before`` (in time order), in one transaction. Ids derive from the seed: a second run
    stores nothing. Returns how many audits were newly stored."""
    rng = random.Random(f"campaign:{seed}")
    loaded = registry.current
    plan = _plan(db, rng=rng, n_areas=n_areas)
    end = datetime(before.year, before.month, before.day, tzinfo=UTC) - timedelta(days=1)
    received = sorted(end - timedelta(days=rng.random() * 360) for _ in plan)
    created = 0
    with db.write_session() as session:
        for n, ((lat, lon, condition), at) in enumerate(zip(plan, received, strict=True)):
            answers = synthetic_answers(rng, loaded, condition=condition, role="inspector")
            if not any(
                loaded.items_by_id[k].scored and v != NOT_APPLICABLE for k, v in answers.items()
            ):
                continue  # nothing scored: no index (as the everyday generator skips it)
            data = SubmissionCreate(
                id=uuid.UUID(int=uuid.uuid5(NAMESPACE, f"campaign:{seed}:{n}").int, version=4),
                checklist_version=loaded.version,
                location=LocationIn(lat=lat, lon=lon, accuracy_m=rng.choice([5, 8, 12])),
                answers=answers,
                comment=None,
            )
            taken = intake.receive_checklist(
                session,
                data=data,
                registry=registry,
                areas=areas,
                settings=settings,
                role="inspector",
                synthetic=True,
                received_at=at,
            )
            created += taken.created
    return created
