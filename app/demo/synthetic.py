"""A seeded generator of synthetic yards and submissions, for the demo and the benchmarks.

Everything it makes is marked ``synthetic``: these are not real audits of real yards. The
answers follow a latent "condition" per yard, so maps and reports show plausible patterns.
"""

from __future__ import annotations

import math
import random
import uuid
from datetime import timedelta

from app.checklists.loader import ChecklistRegistry, LoadedChecklist
from app.checklists.schema import NOT_APPLICABLE
from app.geo.locator import AreaIndex, OutsideCity
from app.intake import service as intake
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.submissions.schemas import LocationIn, SubmissionCreate

# Rough centres of residential Almaty per district, to scatter synthetic yards near housing
# rather than on mountain slopes (lat, lon, spread in km).
RESIDENTIAL_CENTRES: dict[str, tuple[float, float, float]] = {
    "alatau": (43.275, 76.845, 3.5),
    "almaly": (43.250, 76.915, 1.8),
    "auezov": (43.225, 76.855, 2.5),
    "bostandyk": (43.215, 76.905, 2.5),
    "medeu": (43.255, 76.975, 2.2),
    "nauryzbay": (43.190, 76.800, 3.0),
    "turksib": (43.330, 76.955, 3.0),
    "zhetysu": (43.290, 76.935, 2.2),
}
# A synthetic tilt per district so the demo map is not uniform (not a claim about real areas).
DISTRICT_TILT = {
    "alatau": 0.12,
    "nauryzbay": 0.08,
    "turksib": 0.06,
    "zhetysu": 0.04,
    "auezov": 0.0,
    "almaly": -0.04,
    "bostandyk": -0.06,
    "medeu": -0.08,
}
NAMESPACE = uuid.UUID("5afe7a4d-0000-4000-8000-000000000000")
INSPECTOR_SHARE = 0.08
BATCH = 200


def _point_near(
    rng: random.Random, lat: float, lon: float, spread_km: float
) -> tuple[float, float]:
    r = spread_km * math.sqrt(rng.random())
    theta = rng.random() * 2 * math.pi
    dlat = r * math.cos(theta) / 111.0
    dlon = r * math.sin(theta) / (111.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def synthetic_answers(
    rng: random.Random, loaded: LoadedChecklist, *, condition: float, role: str
) -> dict[str, str]:
    """Answers of one person for a yard whose condition is 0 (fine) .. 1 (neglected)."""
    answers: dict[str, str] = {}
    for item in loaded.checklist.items():
        if role not in item.roles or rng.random() < 0.06:  # some questions skipped
            continue
        if item.allow_na and rng.random() < 0.08:
            answers[item.id] = NOT_APPLICABLE
            continue
        if not item.scored:  # how safe one feels follows the yard's condition, loosely
            k = min(
                len(item.options) - 1,
                max(0, round(condition * (len(item.options) - 1) + rng.gauss(0, 0.7))),
            )
            answers[item.id] = item.options[k].value
            continue
        target = min(1.0, max(0.0, condition + rng.gauss(0, 0.25)))
        best = min(item.options, key=lambda o: abs((o.risk or 0.0) - target) + rng.random() * 0.2)
        answers[item.id] = best.value
    return answers


def generate(
    db: Database,
    *,
    registry: ChecklistRegistry,
    areas: AreaIndex,
    settings: Settings,
    yards: int,
    submissions: int,
    seed: int,
) -> int:
    """Make ``yards`` yards and ``submissions`` submissions through the real intake.

    Ids derive from the seed, so running it again stores nothing new. Returns how many
    submissions were newly stored.
    """
    rng = random.Random(seed)
    loaded = registry.current
    districts = list(RESIDENTIAL_CENTRES)
    weights = [1.0] * len(districts)
    plan: list[tuple[float, float, str, float]] = []
    while len(plan) < yards:
        district = rng.choices(districts, weights)[0]
        lat, lon, spread = RESIDENTIAL_CENTRES[district]
        lat, lon = _point_near(rng, lat, lon, spread)
        try:
            placement = areas.locate(lat, lon)
        except OutsideCity:
            continue
        condition = min(
            1.0, max(0.0, rng.betavariate(2.2, 3.0) + DISTRICT_TILT.get(placement.district_id, 0.0))
        )
        plan.append((round(lat, 6), round(lon, 6), placement.district_id, condition))

    now = utcnow()
    # Received in time order, as real submissions are: a yard's findings then open, confirm
    # and verify in the order their history shows.
    times = random.Random(seed + 1)
    received_at = sorted(now - timedelta(days=times.random() * 365) for _ in range(submissions))
    created = 0
    for start in range(0, submissions, BATCH):
        with db.write_session() as session:
            for n in range(start, min(start + BATCH, submissions)):
                lat, lon, _district, condition = plan[n % yards]
                role = "inspector" if rng.random() < INSPECTOR_SHARE else "resident"
                drift = rng.gauss(0, 0.05)  # conditions change a little over the year
                answers = synthetic_answers(
                    rng, loaded, condition=min(1, max(0, condition + drift)), role=role
                )
                if not any(
                    loaded.items_by_id[k].scored and v != NOT_APPLICABLE for k, v in answers.items()
                ):
                    continue
                jitter_lat, jitter_lon = _point_near(rng, lat, lon, 0.008)
                data = SubmissionCreate(
                    # Reproducible, and a version 4 UUID as the API asks of every client.
                    id=uuid.UUID(int=uuid.uuid5(NAMESPACE, f"{seed}:{n}").int, version=4),
                    checklist_version=loaded.version,
                    location=LocationIn(
                        lat=jitter_lat, lon=jitter_lon, accuracy_m=rng.choice([5, 8, 12, 20, 35])
                    ),
                    answers=answers,
                    comment=None,
                )
                received = received_at[n]
                taken = intake.receive_checklist(
                    session,
                    data=data,
                    registry=registry,
                    areas=areas,
                    settings=settings,
                    role=role,
                    synthetic=True,
                    received_at=received,
                )
                created += taken.created
    return created
