"""What the map's rebuild after a write keeps or skips gives the figures of a full read:
kept sums (re-read area by area) after random writes, the sections rounded once per sums,
the cluster tests among the areas with data only, and no ``area_flags`` call for a cell
without data or submissions."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from app.areas import service
from app.areas.figures import AreaFigures
from app.districts.models import MicroDistrict
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.scoring import AreaSample, FlagRules, area_flags, assess_areas
from app.yards import service as yards_service
from app.yards.risk_models import YardRisk, section_columns

NOW = utcnow()
SECTIONS = ("lighting", "parking", "extra")  # "extra" has no column: read from the JSON
_RISK = table_of(YardRisk)
# A 4 x 3 grid of unit squares: queen neighbours, and cells left without data.
GRID = [f"kept-{x}-{y}" for x in range(4) for y in range(3)]
NEIGHBOURS = {
    f"kept-{x}-{y}": frozenset(
        f"kept-{x + dx}-{y + dy}"
        for dx in (-1, 0, 1)
        for dy in (-1, 0, 1)
        if (dx, dy) != (0, 0) and 0 <= x + dx < 4 and 0 <= y + dy < 3
    )
    for x in range(4)
    for y in range(3)
}


def _quarter(rng: random.Random) -> float:
    # Risks on a quarter grid add up exactly in any order: the full read's GROUP BY and the
    # kept sums' per-area one may visit rows in another order (PostgreSQL).
    return rng.randrange(0, 401) / 4


def _grid(session: Session) -> None:
    session.execute(delete(_RISK))  # only these yards count (rolled back)
    for area_id in GRID:
        _, x, y = area_id.split("-")
        square = [[int(x), int(y)], [int(x) + 1, int(y)], [int(x) + 1, int(y) + 1]]
        session.add(
            MicroDistrict(
                id=area_id,
                kind="test",
                district_id="almaly" if int(x) < 2 else "bostandyk",
                geometry=json.dumps({"type": "Polygon", "coordinates": [[*square, square[0]]]}),
                source="test",
            )
        )
    session.flush()


def _yard(session: Session, rng: random.Random, area_id: str, *, scored: bool = True) -> None:
    district = "almaly" if int(area_id.split("-")[1]) < 2 else "bostandyk"
    yard = yards_service.create_yard(
        session, lat=43.25, lon=76.91, district_id=district, micro_district_id=area_id, address=None
    )
    if not scored:
        return
    assert yard.id is not None
    last = NOW - timedelta(days=rng.choice([1, 5, 40, 120]))
    yards_service.record_submission(session, yard_id=yard.id, at=last)
    section_risk = {s: _quarter(rng) for s in SECTIONS if rng.random() < 0.8}
    session.execute(
        insert(_RISK),
        {
            "yard_id": yard.id,
            "micro_district_id": area_id,
            "district_id": district,
            "basis": "residents_median",
            "risk_index": _quarter(rng),
            "section_risk": section_risk,
            **section_columns(section_risk),
            "window_days": 180,
            "last_submission_at": last,
            "inspector_audits": rng.choice([0, 0, 1]),
            "ops_centre": rng.random() < 0.2,
            "disagrees": rng.random() < 0.2,
        },
    )


def _rewrite(session: Session, rng: random.Random) -> None:
    """A submission's rewrite of one yard's row (a new risk, stamped now)."""
    yard_ids = session.execute(select(_RISK.c.yard_id)).scalars().all()
    if yard_ids:
        lighting = _quarter(rng)
        session.execute(
            update(_RISK)
            .where(_RISK.c.yard_id == rng.choice(yard_ids))
            .values(
                risk_index=_quarter(rng),
                section_lighting=lighting,
                section_risk={"lighting": lighting},
                updated_at=utcnow(),
            )
        )


def _write(session: Session, rng: random.Random) -> None:
    step = rng.random()
    if step < 0.5:
        _yard(session, rng, rng.choice(GRID))
    elif step < 0.85:
        _rewrite(session, rng)
    elif step < 0.93:
        _yard(session, rng, rng.choice(GRID), scored=False)  # a full re-read follows
    else:
        yard_ids = session.execute(select(_RISK.c.yard_id)).scalars().all()
        if yard_ids:  # a removed row: a full re-read follows
            session.execute(delete(_RISK).where(_RISK.c.yard_id == rng.choice(yard_ids)))


def _everything(report: service.AreaReport) -> dict[str, Any]:
    """Every figure as it is, unrounded, and as shown."""
    return {
        area_id: (
            repr(dataclasses.replace(f, shown_sections=None)),
            f.as_dict(),
            f.shown(),
            # The sections as made once per sums equal them made afresh.
            dataclasses.replace(f, shown_sections=None).shown(),
        )
        for area_id, f in report.areas.items()
    }


class TestKeptEqualsFull:
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_after_random_writes(self, session: Session, settings: Settings, seed: int) -> None:
        rng = random.Random(seed)
        _grid(session)
        relaxed = settings.model_copy(update={"area_min_audited": 2, "cluster_fdr": 0.5})
        micro = service.KeptSums("micro_district_id", SECTIONS)
        districts = service.KeptSums("district_id", SECTIONS)
        args: dict[str, Any] = dict(
            settings=relaxed, neighbours=NEIGHBOURS, sections=SECTIONS, now=NOW
        )
        for _ in range(3):
            _yard(session, rng, rng.choice(GRID))
        for _ in range(25):
            _write(session, rng)
            for _ in range(rng.choice([1, 1, 2])):  # a read of unchanged tables between
                kept = service.micro_district_figures(session, kept=micro, **args)
            full = service.micro_district_figures(session, **args)
            assert kept.city_mean == full.city_mean
            assert _everything(kept) == _everything(full)
            # The map's rebuild leaves out the cells without a yard: AreaFigures(id) each.
            some = service.micro_district_figures(session, kept=micro, every_area=False, **args)
            assert set(some.areas) < set(full.areas)
            filled = service.AreaReport(
                {i: some.areas.get(i) or AreaFigures(i) for i in full.areas},
                some.city_mean,
                some.sections,
            )
            assert _everything(filled) == _everything(full)
            one = {"settings": relaxed, "sections": SECTIONS, "now": NOW}
            kept_rows = service.district_figures(session, kept=districts, **one)
            full_rows = service.district_figures(session, **one)
            assert [repr(d) for d in kept_rows] == [repr(d) for d in full_rows]
        # The grid had audited cells, cells without data, and cluster tests to compare.
        assert any(f.gi_z is not None for f in full.areas.values())
        assert any(f.data_state != "audited" for f in full.areas.values())


class TestSkipped:
    @pytest.mark.parametrize("min_audited", [1, 3, 10])
    @pytest.mark.parametrize("stale_days", [0, 1, 90])
    def test_no_flag_without_data_or_submissions(self, min_audited: int, stale_days: int) -> None:
        # service._finish skips area_flags for such a cell.
        rules = FlagRules(min_audited=min_audited, stale_days=stale_days)
        flags = area_flags(
            audited=0, estimate=None, cluster=None, last_submission_at=None, now=NOW, rules=rules
        )
        assert flags == []

    @given(
        st.dictionaries(
            st.sampled_from(GRID),
            st.tuples(
                st.integers(1, 12),
                st.floats(0, 100),
                st.floats(0, 5_000),
                st.sampled_from(["almaly", "bostandyk", None]),
            ),
        ),
        st.integers(1, 4),
    )
    def test_clusters_among_areas_with_data_are_the_same(
        self, data: dict[str, tuple[int, float, float, str | None]], min_neighbours: int
    ) -> None:
        samples = {k: AreaSample(*v) for k, v in data.items()}
        rules = FlagRules(min_audited=2, cluster_min_neighbours=min_neighbours, cluster_fdr=0.5)
        among = service._among(NEIGHBOURS, samples.keys())
        assert assess_areas(samples, neighbours=among, rules=rules) == assess_areas(
            samples, neighbours=NEIGHBOURS, rules=rules
        )
