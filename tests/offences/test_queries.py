"""Counting stored offences per area and district (app/offences/queries.py)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from app.offences import queries
from app.offences.schemas import OffenceRecord
from app.offences.service import store_offences

MEDEU_CELL = "8820e60a85fffff"
BOSTANDYK_CELL = "8820e60a25fffff"


def _offence(
    day: date, article: str, district: str, cell: str | None, *, discontinued: bool = False
) -> OffenceRecord:
    return OffenceRecord(
        occurred_on=day,
        article=article,
        lat=43.2,
        lon=76.9,
        discontinued=discontinued,
        district_id=district,
        micro_district_id=cell,
    )


# 7 offences: 4 in Medeu (3 in its cell, 1 in no cell), 3 in Bostandyk.
RECORDS = [
    _offence(date(2025, 1, 10), "188", "medeu", MEDEU_CELL),
    _offence(date(2025, 1, 31), "188-1", "medeu", MEDEU_CELL),
    _offence(date(2025, 2, 1), "190", "medeu", MEDEU_CELL),  # on `end`: left out
    _offence(date(2025, 1, 5), "188", "medeu", None, discontinued=True),
    _offence(date(2025, 1, 1), "190", "bostandyk", BOSTANDYK_CELL),  # on `start`: kept
    _offence(date(2024, 12, 31), "188", "bostandyk", BOSTANDYK_CELL),  # before: left out
    _offence(date(2025, 1, 20), "293", "bostandyk", BOSTANDYK_CELL),
]
JANUARY = {"start": date(2025, 1, 1), "end": date(2025, 2, 1)}


def _store(session: Session, *, synthetic: bool = False, source: str = "test") -> None:
    store_offences(
        session,
        records=RECORDS,
        source=source,
        file_name="/somewhere/january.json",
        file_format="esri-json",
        file_sha256="0" * 64,
        synthetic=synthetic,
    )


class TestCountByArea:
    def test_half_open_range(self, session: Session) -> None:
        _store(session)
        assert queries.count_by_area(session, **JANUARY) == {
            MEDEU_CELL: 2,
            None: 1,
            BOSTANDYK_CELL: 2,
        }

    def test_articles_match_the_number_not_its_prefix(self, session: Session) -> None:
        _store(session)
        # "ст.188 ч.2" means article 188: not 188-1.
        assert queries.count_by_area(session, **JANUARY, articles=["ст.188 ч.2"]) == {
            MEDEU_CELL: 1,
            None: 1,
        }
        assert queries.count_by_area(session, **JANUARY, articles=["188", "188-1"]) == {
            MEDEU_CELL: 2,
            None: 1,
        }
        assert queries.count_by_area(session, **JANUARY, articles=[]) == {}

    def test_exclude_articles_and_discontinued(self, session: Session) -> None:
        _store(session)
        assert queries.count_by_area(
            session, **JANUARY, exclude_articles=["190"], include_discontinued=False
        ) == {MEDEU_CELL: 2, BOSTANDYK_CELL: 1}

    def test_district_filter(self, session: Session) -> None:
        _store(session)
        assert queries.count_by_area(session, **JANUARY, district_ids=["bostandyk"]) == {
            BOSTANDYK_CELL: 2
        }


class TestCountByDistrict:
    def test_counts(self, session: Session) -> None:
        _store(session)
        assert queries.count_by_district(session, **JANUARY) == {"medeu": 3, "bostandyk": 2}
        assert queries.count_by_district(session, **JANUARY, articles=["190"]) == {"bostandyk": 1}

    def test_nothing_stored(self, session: Session) -> None:
        assert queries.count_by_district(session, **JANUARY) == {}


class TestCoverage:
    def test_empty(self, session: Session) -> None:
        found = queries.coverage(session)
        assert found.empty and found.total == 0
        assert found.date_from is None and found.sources == () and not found.synthetic

    def test_what_the_figures_rest_on(self, session: Session) -> None:
        _store(session, source="KPSSU crime map")
        found = queries.coverage(session)
        assert found.total == 7
        assert (found.date_from, found.date_to) == (date(2024, 12, 31), date(2025, 2, 1))
        assert found.sources == ("KPSSU crime map",)
        assert not found.synthetic
        assert found.last_import_at is not None and found.last_import_at.tzinfo is not None

    def test_any_synthetic_row_says_so(self, session: Session) -> None:
        _store(session, source="KPSSU crime map")
        _store(session, source="SafeYard demo", synthetic=True)
        found = queries.coverage(session)
        assert found.total == 14 and found.synthetic
        assert found.sources == ("KPSSU crime map", "SafeYard demo")
