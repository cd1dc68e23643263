"""Area figures from the yard tables, with hand-computed numbers."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, update
from sqlmodel import Session

from app.areas import service
from app.areas.shapes import queen_neighbours
from app.districts.models import MicroDistrict
from app.platform.config import Settings
from app.platform.db import table_of, utcnow
from app.yards import service as yards_service
from app.yards.risk_models import YardRisk, section_columns

NOW = utcnow()
SECTIONS = ("lighting",)
SECTIONS_WITH_JSON = ("lighting", "extra")  # "extra" has no column: read from the JSON


def _square(x: float, y: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]],
    }


def _area(session: Session, area_id: str, x: float) -> None:
    session.add(
        MicroDistrict(
            id=area_id,
            kind="test",
            district_id="almaly",
            geometry=json.dumps(_square(x, 0)),
            source="test",
        )
    )
    session.flush()


def _yard(session: Session, area_id: str, risk: float | None, **extra: Any) -> None:
    yard = yards_service.create_yard(
        session, lat=43.25, lon=76.91, district_id="almaly", micro_district_id=area_id, address=None
    )
    if risk is None:
        return
    last = extra.pop("last", NOW - timedelta(days=1))
    assert yard.id is not None
    yards_service.record_submission(session, yard_id=yard.id, at=last)
    section_risk = extra.pop("section_risk", {"lighting": risk})
    values = {
        "yard_id": yard.id,
        "micro_district_id": area_id,
        "district_id": "almaly",
        "basis": "residents_median",
        "risk_index": risk,
        "section_risk": section_risk,
        **section_columns(section_risk),
        "window_days": 180,
        "last_submission_at": last,
        **extra,
    }
    session.execute(insert(table_of(YardRisk)), values)


def _city(session: Session) -> None:
    """Two areas: A (3 yards, 2 audited: 80 and 60) and B (2 yards: 20 and 40).
    City mean (80 + 60 + 20 + 40) / 4 = 50."""
    session.execute(delete(table_of(YardRisk)))  # only these yards count (rolled back)
    _area(session, "test-a", 0)
    _area(session, "test-b", 1)
    _yard(session, "test-a", 80.0, section_risk={"lighting": 70.0, "extra": 30.0}, ops_centre=True)
    _yard(
        session,
        "test-a",
        60.0,
        section_risk={"lighting": 40.0},
        panic_button=True,
        inspector_audits=1,
        basis="inspector_audit",
    )
    _yard(session, "test-a", None)
    _yard(session, "test-b", 20.0, disagrees=True)
    _yard(session, "test-b", 40.0, last=NOW - timedelta(days=100))


class TestMicroDistrictFigures:
    def test_hand_computed(self, session: Session, settings: Settings) -> None:
        _city(session)
        neighbours = {"test-a": frozenset({"test-b"}), "test-b": frozenset({"test-a"})}
        report = service.micro_district_figures(
            session, settings=settings, neighbours=neighbours, sections=SECTIONS, now=NOW
        )
        assert report.city_mean == 50.0
        a, b = report.areas["test-a"], report.areas["test-b"]
        assert (a.yards_known, a.yards_audited, a.mean_risk) == (3, 2, 70.0)
        assert a.coverage == 2 / 3
        # Of A's two yards with a figure, one has an inspector audit, one residents only.
        assert (a.yards_inspected, a.yards_resident_reported) == (1, 1)
        assert a.as_dict()["yards_inspected"] == 1
        assert a.as_dict()["yards_resident_reported"] == 1
        # Empirical Bayes, by hand: yards within an area vary by sigma^2 = (200 + 200) / 2;
        # the area means 70 and 30 (n = 2 each, w = 0.01) around 50 give Q = 8, df 1,
        # C = 0.01, so tau^2 = (8 - 1) / 0.01 = 700; shrinkage 100 / (100 + 700) = 1/8.
        assert a.estimate is not None and b.estimate is not None
        assert a.coverage_risk == pytest.approx(50 + 7 / 8 * 20)
        assert b.coverage_risk == pytest.approx(50 - 7 / 8 * 20)
        # Posterior variance 7/8 * 100 plus (1/8)^2 * Var(prior) = 400.
        assert a.estimate.sd == pytest.approx(math.sqrt(87.5 + 400 / 64))
        assert a.risk_low == pytest.approx(67.5 - 1.2815516 * math.sqrt(93.75), abs=1e-4)
        assert a.as_dict()["risk_high"] == round(67.5 + 1.2815516 * math.sqrt(93.75), 1)
        assert (b.yards_known, b.yards_audited, b.mean_risk) == (2, 2, 30.0)
        # One neighbour with data is too few to test for a cluster: no z at all.
        assert (a.gi_z, b.gi_z) == (None, None)
        assert a.section_fail_share == {"lighting": 0.5}  # 70 fails, 40 does not
        assert a.section_mean_risk == {"lighting": 55.0}
        assert (a.ops_centre_yards, a.panic_button_yards, a.disagreeing_yards) == (1, 1, 0)
        assert b.disagreeing_yards == 1

    def test_flags_with_reasons(self, session: Session, settings: Settings) -> None:
        _city(session)
        relaxed = settings.model_copy(update={"area_min_audited": 2})
        report = service.micro_district_figures(
            session, settings=relaxed, neighbours={}, sections=SECTIONS, now=NOW
        )
        reasons = {f.code: f.reason for f in report.areas["test-a"].flags}
        # P(N(67.5, 93.75) >= 50) = 0.96.
        assert reasons == {"problem_area": "P(true mean ≥ 50) = 0.96 ≥ 0.8 with 2 audited yards"}
        strict = service.micro_district_figures(
            session, settings=settings, neighbours={}, sections=SECTIONS, now=NOW
        )
        assert [f.reason for f in strict.areas["test-b"].flags] == ["2 audited yards < 3 needed"]

    def test_months_counts_only_recent_yards(self, session: Session, settings: Settings) -> None:
        _city(session)
        report = service.micro_district_figures(
            session, settings=settings, neighbours={}, sections=SECTIONS, months=3, now=NOW
        )
        b = report.areas["test-b"]
        assert (b.yards_audited, b.mean_risk) == (1, 20.0)  # the 100-day-old yard is out


class TestNoData:
    """No audited yard: no figure, no rank, and stale only where there were submissions."""

    def test_no_number_where_no_yard_is_audited(self, session: Session, settings: Settings) -> None:
        _city(session)
        _area(session, "test-empty", 2)  # no yard known
        _area(session, "test-unchecked", 3)  # a yard known, never checked
        _yard(session, "test-unchecked", None)
        neighbours = {
            "test-a": frozenset({"test-b"}),
            "test-b": frozenset({"test-a", "test-empty"}),
            "test-empty": frozenset({"test-b", "test-unchecked"}),
            "test-unchecked": frozenset({"test-empty"}),
        }
        report = service.micro_district_figures(
            session, settings=settings, neighbours=neighbours, sections=SECTIONS, now=NOW
        )
        empty, unchecked = report.areas["test-empty"], report.areas["test-unchecked"]
        for area in (empty, unchecked):
            assert (area.mean_risk, area.coverage_risk, area.gi_z) == (None, None, None)
            assert area.flags == []  # neither "not enough data" nor "stale"
            assert not area.has_data
            assert area.as_dict()["coverage_risk"] is None
        assert (empty.yards_known, empty.data_state) == (0, "no_yards")
        assert (unchecked.yards_known, unchecked.data_state) == (1, "not_checked")
        assert report.areas["test-a"].data_state == "audited"

    def test_stale_only_where_there_were_submissions(
        self, session: Session, settings: Settings
    ) -> None:
        _city(session)
        _area(session, "test-old", 2)
        _yard(session, "test-old", 30.0, last=NOW - timedelta(days=200))
        report = service.micro_district_figures(
            session, settings=settings, neighbours={}, sections=SECTIONS, months=3, now=NOW
        )
        old = report.areas["test-old"]
        assert (old.yards_known, old.yards_audited, old.coverage_risk) == (1, 0, None)
        assert [(f.code, f.params) for f in old.flags] == [("stale", {"days": 200, "limit": 90})]


class TestQueenNeighbours:
    def test_a_shared_corner_is_enough(self) -> None:
        found = queen_neighbours(
            {"a": _square(0, 0), "b": _square(1, 0), "c": _square(1, 1), "far": _square(5, 5)}
        )
        assert found["a"] == {"b", "c"}  # c touches a at one corner only
        assert found["far"] == frozenset()


class TestDistrictFigures:
    def test_per_10k_residents(self, session: Session, settings: Settings) -> None:
        _city(session)
        rows = {
            d.figures.id: d
            for d in service.district_figures(session, settings=settings, sections=SECTIONS)
        }
        almaly = rows["almaly"]
        assert almaly.figures.yards_audited == 4
        out = almaly.as_dict()
        assert almaly.population
        assert out["audited_per_10k_residents"] == round(4 / almaly.population * 10_000, 2)
        assert len(rows) == 8


class TestKeptSums:
    """Sums kept between reads and brought up to date area by area give exactly the
    figures of a full read."""

    @staticmethod
    def _both(
        session: Session, settings: Settings, kept: service.KeptSums
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        neighbours = {"test-a": frozenset({"test-b"}), "test-b": frozenset({"test-a"})}
        args: dict[str, Any] = dict(
            settings=settings, neighbours=neighbours, sections=SECTIONS_WITH_JSON, now=NOW
        )
        full = service.micro_district_figures(session, **args)
        kept_report = service.micro_district_figures(session, kept=kept, **args)
        assert kept_report.city_mean == full.city_mean
        return (
            {k: v.as_dict() for k, v in kept_report.areas.items()},
            {k: v.as_dict() for k, v in full.areas.items()},
        )

    def test_kept_sums_follow_writes(self, session: Session, settings: Settings) -> None:
        _city(session)
        kept = service.KeptSums("micro_district_id", SECTIONS_WITH_JSON)
        kept_areas, full = self._both(session, settings, kept)
        assert kept_areas == full
        # A section without a float column is read from the JSON.
        assert full["test-a"]["section_mean_risk"]["extra"] == 30.0
        full_reads = kept._read_at
        # A new yard with its row, then rewritten rows: only those areas are read again.
        _yard(session, "test-b", 90.0, section_risk={"lighting": 90.0, "extra": 10.0})
        kept_areas, full = self._both(session, settings, kept)
        assert kept_areas == full and full["test-b"]["yards_audited"] == 3
        session.execute(
            update(table_of(YardRisk))
            .where(table_of(YardRisk).c.micro_district_id == "test-a")
            .values(risk_index=10.0, section_lighting=80.0, updated_at=utcnow())
        )
        kept_areas, full = self._both(session, settings, kept)
        assert kept_areas == full and full["test-a"]["mean_risk"] == 10.0
        assert kept._read_at == full_reads  # no full read so far
        # A yard without a row (no submission yet): everything is read again.
        _yard(session, "test-b", None)
        kept_areas, full = self._both(session, settings, kept)
        assert kept_areas == full and full["test-b"]["yards_known"] == 4
        assert kept._read_at > full_reads
        # A removed row: everything is read again.
        session.execute(
            delete(table_of(YardRisk)).where(table_of(YardRisk).c.micro_district_id == "test-b")
        )
        kept_areas, full = self._both(session, settings, kept)
        assert kept_areas == full and full["test-b"]["yards_audited"] == 0
