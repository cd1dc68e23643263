"""The demo's responsible bodies: the plausible Almaty set of ``data/bodies/almaty-demo.yaml``
and synthetic housing cooperatives ("КСК «…»", addresses under .example) for about a third of
the synthetic yards of each district. Running it again changes nothing."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from app.bodies import importing
from app.bodies import service as bodies_service
from app.bodies.models import BodyKind, YardCooperative
from app.bodies.schemas import BodyRecord, UpsertResult
from app.checklists.loader import ChecklistRegistry
from app.findings import unrouted
from app.platform.config import PROJECT_ROOT, Settings
from app.platform.db import table_of
from app.yards.models import Yard

DEMO_BODIES = PROJECT_ROOT / "data" / "bodies" / "almaty-demo.yaml"
COOPERATIVE_SHARE = 0.3
YARDS_PER_COOPERATIVE = 3
# Common housing-cooperative names (transliterated for English), numbered by their first yard.
_NAMES = (
    ("Самал", "Samal"),
    ("Жулдыз", "Zhuldyz"),
    ("Береке", "Bereke"),
    ("Достык", "Dostyk"),
    ("Нурлы", "Nurly"),
    ("Шугыла", "Shugyla"),
    ("Акжол", "Akzhol"),
    ("Мерей", "Merey"),
    ("Сункар", "Sunkar"),
    ("Арман", "Arman"),
)
_YARD = table_of(Yard)
_COOP = table_of(YardCooperative)


@dataclass(frozen=True)
class DemoBodies:
    bodies: UpsertResult
    cooperatives: int
    yards_linked: int
    routed: int
    rehomed: int


def load_demo_bodies(session: Session, *, registry: ChecklistRegistry) -> UpsertResult:
    """Upsert the demo file's bodies (before submissions, so the intake routes findings)."""
    records = importing.read_bodies_file(DEMO_BODIES)
    return bodies_service.upsert_bodies(session, records=records, registry=registry)


def cooperative_items(registry: ChecklistRegistry) -> dict[str, int | None]:
    """The items a cooperative answers for: those whose first responsible is the cooperative."""
    return {
        item.id: None
        for item in registry.current.checklist.items()
        if item.scored and item.responsible and item.responsible[0] == "cooperative"
    }


def _chosen(seed: int, yard_id: int) -> bool:
    # A hash, not the generator: the same yard is chosen whatever else the run made.
    digest = hashlib.sha256(f"cooperative:{seed}:{yard_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < COOPERATIVE_SHARE


def cooperative_records(
    session: Session, *, registry: ChecklistRegistry, seed: int
) -> list[BodyRecord]:
    """New cooperatives for the chosen synthetic yards that have none yet, a few neighbouring
    (by number) yards of one district each."""
    linked = set(session.execute(select(_COOP.c.yard_id)).scalars())
    by_district: dict[str, list[int]] = defaultdict(list)
    for yard_id, district_id in session.execute(
        select(_YARD.c.id, _YARD.c.district_id)
        .where(_YARD.c.synthetic.is_(True))
        .order_by(_YARD.c.id)
    ):
        if yard_id not in linked and _chosen(seed, yard_id):
            by_district[district_id].append(yard_id)
    items = cooperative_items(registry)
    records = []
    for district_id, yard_ids in sorted(by_district.items()):
        for start in range(0, len(yard_ids), YARDS_PER_COOPERATIVE):
            group = yard_ids[start : start + YARDS_PER_COOPERATIVE]
            first = group[0]
            ru, en = _NAMES[first % len(_NAMES)]
            records.append(
                BodyRecord(
                    id=f"demo-ksk-{first}",
                    district_id=district_id,
                    kind=BodyKind.cooperative,
                    name=f"КСК «{ru}-{first}»",
                    name_kk=f"«{ru}-{first}» ПИК",
                    name_en=f"Housing cooperative “{en}-{first}”",
                    channel="email",
                    email=f"ksk-{first}@ksk.example",
                    deadline_days=30,
                    synthetic=True,
                    items=dict(items),
                    yards=group,
                )
            )
    return records


def link_cooperatives(
    session: Session, *, registry: ChecklistRegistry, settings: Settings, seed: int
) -> DemoBodies:
    """After the submissions: cooperatives for the chosen yards, the open unsent findings of
    those yards moved to them, and every finding still without a body routed."""
    records = cooperative_records(session, registry=registry, seed=seed)
    result = bodies_service.upsert_bodies(session, records=records, registry=registry)
    session.flush()
    yard_ids = [y for r in records for y in (r.yards or [])]
    rehomed = unrouted.rehome_open_findings(session, yard_ids=yard_ids, settings=settings)
    routed = unrouted.route_unrouted(session, settings=settings)
    return DemoBodies(
        bodies=result,
        cooperatives=len(records),
        yards_linked=len(yard_ids),
        routed=routed,
        rehomed=rehomed,
    )
