"""The yard_risk row kept on each submission (with its shortcuts) is exactly the row a full
recompute (``refresh_all_yard_risks``) builds from the yard's submissions."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.demo.synthetic import synthetic_answers
from app.intake import service as intake_service
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.scoring.combine import combine as combine_sets
from app.submissions.schemas import SubmissionCreate
from app.submissions.yard_risk import refresh_yard_risk
from app.yards import risk_tally
from app.yards import service as yards_service
from app.yards.risk_models import SECTION_COLUMNS, YardRisk, section_column
from app.yards.risk_tally import tallied_combine

_YARD_RISK = table_of(YardRisk)


def _rows(session: Session, yard_ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = session.execute(select(_YARD_RISK).where(_YARD_RISK.c.yard_id.in_(yard_ids)))
    rows = rows.mappings().all()
    return {r["yard_id"]: {k: v for k, v in r.items() if k != "updated_at"} for r in rows}


def test_rows_kept_on_submit_equal_a_full_recompute(
    session: Session, registry: ChecklistRegistry, settings: Settings
) -> None:
    rng = random.Random(4)
    loaded = registry.current
    yards = []
    for n in range(8):
        yard = yards_service.create_yard(
            session,
            lat=43.25 + n * 0.001,
            lon=76.91,
            district_id="almaly",
            micro_district_id=None,
            address=None,
        )
        assert yard.id is not None
        yards.append((yard.id, rng.random()))
    ids = [yard_id for yard_id, _ in yards]
    now = utcnow()
    # One submission alone in a yard's window (the shortcut), then mixes of residents,
    # cooperatives and audits, some outside the window, some sent "earlier" than others.
    for step in range(40):
        yard_id, condition = yards[min(step, rng.randrange(len(yards)))]
        role = rng.choices(["resident", "inspector", "cooperative"], [6, 2, 1])[0]
        answers = synthetic_answers(rng, loaded, condition=condition, role=role)
        data = SubmissionCreate.model_validate(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "checklist_version": loaded.version,
                "yard_id": yard_id,
                "answers": answers,
            }
        )
        age = rng.choice([0, 0, 0, 3, 40, settings.current_risk_window_days + 5])
        intake_service.receive_checklist(
            session,
            data=data,
            registry=registry,
            areas=None,
            settings=settings,
            role=role,
            received_at=now - timedelta(days=age, seconds=step),
        )
        if step == 0:
            kept = _rows(session, ids)
            assert kept[yard_id]["basis"] != "none"
    kept = _rows(session, ids)
    assert len(kept) == len(yards)
    # A full recompute of these yards (the whole table may hold other tests' yards, answered
    # against checklist editions this registry does not know), from nothing kept in memory.
    risk_tally._tallies.clear()
    for yard_id in ids:
        refresh_yard_risk(
            session,
            yard_id=yard_id,
            registry=registry,
            window_days=settings.current_risk_window_days,
            disagreement_points=settings.disagreement_points,
        )
    session.expire_all()
    assert _rows(session, ids) == kept
    bases = {row["basis"] for row in kept.values()}
    assert {"residents_median", "inspector_audit"} <= bases
    assert any(row["cooperatives"] for row in kept.values())
    for row in kept.values():
        for section in SECTION_COLUMNS:
            assert row[section_column(section)] == row["section_risk"].get(section)


def test_tallied_consensus_is_combine(registry: ChecklistRegistry) -> None:
    """The write path's per-yard answer counts give combine()'s consensus exactly, as
    submissions join the window one by one, leave it, or the counts belong to another."""
    rng = random.Random(9)
    loaded = registry.current

    @dataclass
    class Row:
        id: int
        answers: dict[str, str]

    combine = tallied_combine(-1)  # a yard id no real yard has
    window: list[Row] = []
    for n in range(120):
        answers = synthetic_answers(rng, loaded, condition=rng.random(), role="resident")
        window.insert(0, Row(n, answers))
        if rng.random() < 0.15:
            window.pop(rng.randrange(len(window)))  # one left the window: counted afresh
        expected = combine_sets(loaded.scoring, [r.answers for r in window])
        assert combine(loaded, window) == expected
    assert combine(loaded, window[:1]) == combine_sets(loaded.scoring, [window[0].answers])
    assert any(combine(loaded, window[:k]).risks for k in (2, 4, 6))  # even counts in between
