"""Offences per 10,000 and 100,000 residents (app/offences/rates.py)."""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest
from sqlmodel import Session, select

from app.districts.models import District
from app.offences.models import Offence
from app.offences.population import area_population
from app.offences.rates import (
    MIN_AREA_RESIDENTS,
    NO_RATE_FEW_YARDS,
    last_full_window,
    offence_rates,
    window_to,
)
from tests.offences_factories import add_import

_keys = count()


def add_offences(
    session: Session,
    import_id: int,
    *,
    day: date,
    district_id: str,
    n: int = 1,
    area_id: str | None = None,
    article: str = "188",
    synthetic: bool = False,
) -> None:
    for _ in range(n):
        session.add(
            Offence(
                source_key=f"k{next(_keys)}",
                import_id=import_id,
                occurred_on=day,
                article=article,
                lat=43.25,
                lon=76.92,
                district_id=district_id,
                micro_district_id=area_id,
                synthetic=synthetic,
            )
        )
    session.flush()


def population(session: Session, district_id: str) -> int:
    district = session.get(District, district_id)
    assert district is not None and district.population is not None
    return district.population


class TestWindow:
    def test_a_whole_month_counts(self) -> None:
        assert last_full_window(date(2026, 11, 30)) == (date(2025, 12, 1), date(2026, 12, 1))

    def test_a_month_begun_does_not(self) -> None:
        assert last_full_window(date(2026, 11, 29)) == (date(2025, 11, 1), date(2026, 11, 1))

    def test_to_a_report_month(self) -> None:
        assert window_to(date(2026, 2, 28)) == (date(2025, 3, 1), date(2026, 3, 1))
        assert window_to(date(2026, 12, 31), 1) == (date(2026, 12, 1), date(2027, 1, 1))


class TestOffenceRates:
    def test_nothing_imported(self, session: Session) -> None:
        assert offence_rates(session) is None

    def test_hand_computed_rates_and_window_edges(self, session: Session) -> None:
        imp = add_import(session)
        # Data to 31 Oct 2026: the window is Nov 2025 - Oct 2026.
        add_offences(session, imp, day=date(2026, 10, 31), district_id="almaly", n=20)
        add_offences(session, imp, day=date(2025, 11, 1), district_id="almaly", n=6)
        add_offences(session, imp, day=date(2025, 10, 31), district_id="almaly", n=50)
        add_offences(session, imp, day=date(2026, 1, 10), district_id="medeu", n=3)
        rates = offence_rates(session)
        assert rates is not None
        assert (rates.start, rates.end) == (date(2025, 11, 1), date(2026, 11, 1))
        almaly = rates.districts["almaly"]
        assert almaly.offences == 26  # the 50 on 31 Oct 2025 are a day too early
        assert almaly.population == 262_521 == population(session, "almaly")
        assert almaly.per_10k == pytest.approx(26 / 262_521 * 10_000)  # 0.990
        assert almaly.per_100k == pytest.approx(9.904, abs=1e-3)
        assert rates.districts["auezov"].offences == 0
        assert rates.districts["auezov"].per_10k == 0
        city_population = sum(d.population for d in session.exec(select(District)) if d.population)
        assert rates.city.offences == 29
        assert rates.city.per_100k == pytest.approx(29 / city_population * 100_000)
        assert rates.sources == ("KPSSU",)
        assert rates.synthetic is False
        assert rates.data_from == date(2025, 10, 31)
        assert rates.partial is False

    def test_a_report_month_and_partial_data(self, session: Session) -> None:
        imp = add_import(session)
        add_offences(session, imp, day=date(2026, 3, 15), district_id="almaly", n=4)
        rates = offence_rates(session, last_day=date(2026, 6, 30), district_ids=["almaly"])
        assert rates is not None
        assert (rates.start, rates.end) == (date(2025, 7, 1), date(2026, 7, 1))
        assert set(rates.districts) == {"almaly"}
        assert rates.districts["almaly"].offences == 4
        assert rates.partial  # the data holds one day, not 12 months

    def test_article_filter(self, session: Session) -> None:
        imp = add_import(session)
        add_offences(session, imp, day=date(2026, 5, 5), district_id="almaly", n=2)
        add_offences(session, imp, day=date(2026, 5, 5), district_id="almaly", article="190")
        rates = offence_rates(session, last_day=date(2026, 5, 31), articles=["190"])
        assert rates is not None
        assert rates.districts["almaly"].offences == 1
        assert rates.articles == ("190",)

    def test_synthetic_is_said(self, session: Session) -> None:
        imp = add_import(session, synthetic=True, source="SafeYard demo")
        add_offences(session, imp, day=date(2026, 5, 5), district_id="almaly", synthetic=True)
        rates = offence_rates(session)
        assert rates is not None and rates.synthetic

    def test_a_new_import_changes_the_fingerprint(self, session: Session) -> None:
        imp = add_import(session)
        add_offences(session, imp, day=date(2026, 5, 5), district_id="almaly")
        before = offence_rates(session)
        add_offences(session, add_import(session), day=date(2026, 5, 6), district_id="almaly")
        after = offence_rates(session)
        assert before is not None and after is not None
        assert before.fingerprint != after.fingerprint


class TestAreaRates:
    def test_estimated_per_area(self, session: Session) -> None:
        areas = area_population(session)
        big = max(
            (a for a in areas.values() if a.district_id == "almaly"), key=lambda a: a.residents
        )
        imp = add_import(session)
        add_offences(
            session,
            imp,
            day=date(2026, 5, 5),
            district_id="almaly",
            area_id=big.micro_district_id,
            n=7,
        )
        rates = offence_rates(
            session, last_day=date(2026, 5, 31), with_areas=True, district_ids=["almaly"]
        )
        assert rates is not None
        found = {a.micro_district_id: a for a in rates.districts["almaly"].areas}
        assert len(found) == sum(1 for a in areas.values() if a.district_id == "almaly")
        mine = found[big.micro_district_id]
        assert mine.offences == 7
        assert mine.per_10k == pytest.approx(7 / big.residents * 10_000)
        for rate in found.values():
            if areas[rate.micro_district_id].residents < MIN_AREA_RESIDENTS:
                assert rate.per_10k is None

    def test_no_rate_beside_an_area_without_enough_audits(self, session: Session) -> None:
        areas = area_population(session)
        big = max(
            (a for a in areas.values() if a.district_id == "almaly"), key=lambda a: a.residents
        )
        imp = add_import(session)
        add_offences(session, imp, day=date(2026, 5, 5), district_id="almaly", n=2)
        rates = offence_rates(
            session,
            last_day=date(2026, 5, 31),
            with_areas=True,
            district_ids=["almaly"],
            audited={big.micro_district_id: 2},
        )
        assert rates is not None
        mine = next(
            a
            for a in rates.districts["almaly"].areas
            if a.micro_district_id == big.micro_district_id
        )
        assert mine.per_10k is None
        assert mine.no_rate == NO_RATE_FEW_YARDS
