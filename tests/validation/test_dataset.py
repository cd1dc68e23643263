"""The validation's data set (app/validation/dataset.py) from a small hand-built world:
audits before and after the cut-off, offences in and out of the windows, fraud only in the
control."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.offences.models import Offence
from app.platform.config import Settings
from app.validation.dataset import (
    add_months,
    build_area_data,
    build_dataset,
    cutoff_moment,
    default_as_of,
)
from tests.offences_factories import add_import
from tests.validation.offence_rows import AS_OF, SmallWorld, add_offence, small_world


@pytest.fixture
def world(session: Session, registry: ChecklistRegistry, settings: Settings) -> SmallWorld:
    session.execute(delete(Offence))  # rolled back with the test: the windows are ours
    made = small_world(session, registry, settings)
    source = add_import(session)
    for day, article in [
        (date(2025, 6, 1), "188"),  # the outcome window's first day
        (date(2026, 5, 31), "188-1"),  # its last day
        (date(2026, 6, 1), "188"),  # the day after: out
        (date(2025, 7, 1), "190"),  # fraud: the control only
        (date(2025, 5, 31), "188"),  # the day before the cut-off: last year's
        (date(2024, 6, 1), "188"),  # the before window's first day
        (date(2024, 5, 31), "188"),  # before both windows
        (date(2025, 1, 1), "190"),  # fraud last year: in neither count
    ]:
        add_offence(session, source, day=day, area_id=made.area, article=article)
    add_offence(session, source, day=date(2025, 8, 1), area_id=made.late_area)
    add_offence(session, source, day=date(2025, 8, 1), area_id=None)  # in no area
    return made


class TestWindows:
    def test_months(self) -> None:
        assert add_months(date(2025, 6, 1), 12) == date(2026, 6, 1)
        assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
        assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
        assert add_months(date(2025, 1, 15), -12) == date(2024, 1, 15)

    def test_cutoff_is_midnight_in_almaty(self) -> None:
        assert cutoff_moment(AS_OF).isoformat() == "2025-05-31T19:00:00+00:00"


class TestBuildAreaData:
    def test_latest_audit_before_the_cutoff(self, session: Session, world: SmallWorld) -> None:
        data = build_area_data(session, as_of=AS_OF)
        assert world.area in data.area_ids
        assert world.late_area not in data.area_ids  # audited only after the cut-off
        n = data.area_ids.index(world.area)
        # Yard 1's audit after midnight and the residents' checks do not count; yard 2's
        # latest before the cut-off does.
        assert data.audited_yards[n] == 2
        assert data.risk[n] == pytest.approx((world.worst + world.best) / 2)
        assert world.worst > world.best

    def test_offences_in_the_windows(self, session: Session, world: SmallWorld) -> None:
        data = build_area_data(session, as_of=AS_OF)
        n = data.area_ids.index(world.area)
        assert data.offences[n] == 2  # 1 June 2025 and 31 May 2026; not 1 June 2026, not fraud
        assert data.offences_before[n] == 2  # 1 June 2024 and 31 May 2025
        assert data.control[n] == 1  # fraud in the outcome window only

    def test_item_fail_shares(self, session: Session, world: SmallWorld) -> None:
        data = build_area_data(session, as_of=AS_OF)
        n = data.area_ids.index(world.area)
        # One yard at its worst answers, one at its best: half fail each item answered.
        assert data.item_fail_share
        assert {round(float(v[n]), 6) for v in data.item_fail_share.values()} == {0.5}

    def test_population_and_land(self, session: Session, world: SmallWorld) -> None:
        data = build_area_data(session, as_of=AS_OF)
        n = data.area_ids.index(world.area)
        assert data.population[n] > 0
        assert 0 < data.size_km2[n] < 2  # an H3 cell of ~0.74 km²
        assert data.district_ids[n] == world.district
        assert data.synthetic is False

    def test_what_it_rests_on(self, session: Session, world: SmallWorld) -> None:
        found = build_dataset(session, as_of=AS_OF)
        assert found.offences_outcome_all == 4  # the area's 2, the late area's, no area's
        assert found.offences_before_all == 2
        assert found.control_all == 1
        assert found.windows.outcome == (date(2025, 6, 1), date(2026, 6, 1))
        assert found.windows.before == (date(2024, 6, 1), date(2025, 6, 1))
        assert found.areas_with_audits >= 1

    def test_later_cutoff_takes_later_audits(self, session: Session, world: SmallWorld) -> None:
        data = build_area_data(session, as_of=date(2025, 8, 1))
        assert world.late_area in data.area_ids
        n = data.area_ids.index(world.area)
        assert data.risk[n] == pytest.approx(world.best)  # both yards' best audits now

    def test_synthetic_offences_mark_it(self, session: Session, world: SmallWorld) -> None:
        source = add_import(session, synthetic=True)
        add_offence(session, source, day=date(2025, 9, 1), area_id=world.area, synthetic=True)
        assert build_area_data(session, as_of=AS_OF).synthetic is True


class TestDefaultAsOf:
    def test_twelve_months_before_the_last_offence(
        self, session: Session, world: SmallWorld
    ) -> None:
        # The offences run to 1 June 2026: the latest cut-off with 12 months after it.
        assert default_as_of(session) == date(2025, 6, 2)

    def test_none_without_offences(self, session: Session, world: SmallWorld) -> None:
        session.execute(delete(Offence))
        assert default_as_of(session) is None

    def test_none_when_the_offences_span_less_than_a_year(
        self, session: Session, world: SmallWorld
    ) -> None:
        session.execute(delete(Offence))
        source = add_import(session)
        for day in (date(2025, 9, 1), date(2026, 3, 1)):
            add_offence(session, source, day=day, area_id=world.area)
        assert default_as_of(session) is None

    def test_none_without_an_audit_before_it(self, session: Session, world: SmallWorld) -> None:
        session.execute(delete(Offence))
        source = add_import(session)
        for day in (date(1990, 1, 1), date(1991, 1, 1)):
            add_offence(session, source, day=day, area_id=world.area)
        assert default_as_of(session) is None
