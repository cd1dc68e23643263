"""Importing offence files into the database (app/offences/service.py)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from app.offences import queries
from app.offences.models import Offence, OffenceImport
from app.offences.schemas import OffenceRecord, OffencesInvalid
from app.offences.service import import_offences, source_keys, source_slug, store_offences
from tests.factories import area_index, placement_of
from tests.offences.files import (
    AKSAY,
    KAPCHAGAY,
    KOK_TOBE,
    MEGA,
    SHANYRAK,
    Row,
    csv_text,
    esri_page,
    geojson,
    write_json,
)

pytestmark = pytest.mark.usefixtures("english")
JAN = [
    Row(101, date(2025, 1, 10), "188 ч.2", KOK_TOBE),
    Row(102, date(2025, 1, 11), "ст.190", MEGA, hard_code=1),
    Row(103, date(2025, 1, 12), "188-1", AKSAY, discontinued=1),
    Row(104, date(2025, 1, 13), "293", KAPCHAGAY),  # outside the city
]
FEB = [
    Row(103, date(2025, 1, 12), "188-1", AKSAY, discontinued=1),  # in January's export too
    Row(105, date(2025, 2, 2), "188", SHANYRAK, hard_code=3),
]


def stored(session: Session) -> list[Offence]:
    return list(session.exec(select(Offence).order_by(Offence.source_key)).all())


def total(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Offence)).one())


class TestImportOffences:
    def test_esri_json_located_in_districts_and_areas(
        self, session: Session, tmp_path: Path
    ) -> None:
        path = write_json(tmp_path / "query.json", esri_page(JAN, wkid=102100))
        report = import_offences(session, path=path, source="KPSSU crime map")
        assert (report.rows_read, report.rows_new, report.rows_known, report.rows_outside) == (
            4,
            3,
            0,
            1,
        )
        assert (report.date_from, report.date_to) == (date(2025, 1, 10), date(2025, 1, 13))
        assert report.file_format == "esri-json" and not report.dry_run
        offences = stored(session)
        assert [o.source_key for o in offences] == [
            "kpssu-crime-map:101",
            "kpssu-crime-map:102",
            "kpssu-crime-map:103",
        ]
        for offence, row in zip(offences, JAN, strict=False):
            place = placement_of({"lat": row.point[0], "lon": row.point[1]})
            assert (offence.district_id, offence.micro_district_id) == place
            assert offence.import_id == report.import_id and not offence.synthetic
        assert [o.district_id for o in offences] == ["medeu", "bostandyk", "auezov"]
        assert [(o.article, o.severity, o.discontinued) for o in offences] == [
            ("188", 2, False),
            ("190", 1, False),
            ("188-1", 2, True),
        ]
        batch = session.get(OffenceImport, report.import_id)
        assert batch is not None
        assert (batch.file_name, batch.file_format, batch.file_sha256) == (
            "query.json",
            "esri-json",
            report.file_sha256,
        )
        assert (batch.rows_read, batch.rows_new, batch.rows_outside) == (4, 3, 1)
        assert (batch.date_from, batch.date_to) == (date(2025, 1, 10), date(2025, 1, 13))

    def test_the_same_file_twice_adds_nothing(self, session: Session, tmp_path: Path) -> None:
        path = write_json(tmp_path / "query.json", esri_page(JAN))
        import_offences(session, path=path, areas=area_index())
        again = import_offences(session, path=path, areas=area_index())
        assert (again.rows_new, again.rows_known, again.rows_outside) == (0, 3, 1)
        assert total(session) == 3

    def test_an_overlapping_later_export_adds_only_new_rows(
        self, session: Session, tmp_path: Path
    ) -> None:
        import_offences(session, path=write_json(tmp_path / "jan.json", esri_page(JAN)))
        feb = import_offences(session, path=write_json(tmp_path / "feb.json", geojson(FEB)))
        assert (feb.rows_read, feb.rows_new, feb.rows_known) == (2, 1, 1)
        assert total(session) == 4
        assert queries.count_by_district(
            session, start=date(2025, 1, 1), end=date(2025, 3, 1), articles=["188"]
        ) == {"medeu": 1, "alatau": 1}

    def test_the_same_point_in_wgs84_and_web_mercator_is_one_offence(
        self, session: Session, tmp_path: Path
    ) -> None:
        # No ids: the records are told apart by their fields and their order.
        rows = [r.but(objectid=None) for r in JAN]
        twin = [rows[0], rows[0], rows[1]]  # two identical offences, then another
        first = import_offences(session, path=write_json(tmp_path / "a.json", esri_page(twin)))
        assert first.rows_new == 3
        mercator = esri_page([rows[0], rows[0], rows[0], rows[1]], wkid=102100)
        second = import_offences(session, path=write_json(tmp_path / "b.json", mercator))
        # The third identical record is new: the file holds one more such offence.
        assert (second.rows_new, second.rows_known) == (1, 3)

    def test_csv_dry_run_stores_nothing(self, session: Session, tmp_path: Path) -> None:
        path = tmp_path / "export.csv"
        path.write_text(csv_text(JAN), encoding="utf-8")
        report = import_offences(session, path=path, dry_run=True, areas=area_index())
        assert (report.rows_new, report.rows_outside, report.import_id) == (3, 1, None)
        assert report.dry_run and report.file_format == "csv"
        assert total(session) == 0
        assert session.exec(select(func.count()).select_from(OffenceImport)).one() == 0

    def test_a_file_with_a_problem_stores_nothing(self, session: Session, tmp_path: Path) -> None:
        bad = [*JAN, Row(106, date.today() + timedelta(days=2), "188", MEGA)]
        path = write_json(tmp_path / "bad.json", esri_page(bad))
        with pytest.raises(OffencesInvalid) as caught:
            import_offences(session, path=path)
        assert [(p.index, p.field) for p in caught.value.problems] == [(5, "dat_sover")]
        assert total(session) == 0


class TestSourceKeys:
    def test_slug(self) -> None:
        assert source_slug("KPSSU crime map (gis.kgp.kz, KPSSU/crime)") == (
            "kpssu-crime-map-gis-kgp-kz-kpssu-crime"
        )
        russian = source_slug("Карта преступности")
        assert len(russian) == 8 and russian != source_slug("Карта правонарушений")
        assert len(source_slug("x" * 300)) == 40

    def test_keys_fit_the_column(self) -> None:
        record = OffenceRecord(date(2025, 1, 1), "188", 43.2, 76.9, source_id="9" * 80)
        (key,) = source_keys([record], source="s" * 300)
        assert len(key) <= 120


class TestStoreOffences:
    def test_fifty_thousand_rows_in_seconds(self, session: Session) -> None:
        cells = ["8820e60a85fffff", "8820e60a25fffff"]
        records = [
            OffenceRecord(
                occurred_on=date(2024, 1, 1) + timedelta(days=i % 365),
                article="188",
                lat=43.2,
                lon=76.9,
                source_id=str(i),
                district_id="medeu",
                micro_district_id=cells[i % 2],
            )
            for i in range(50_000)
        ]
        started = time.perf_counter()
        batch = store_offences(
            session,
            records=records,
            source="SafeYard demo (synthetic)",
            file_name="demo",
            file_format="synthetic",
            file_sha256="",
            synthetic=True,
        )
        elapsed = time.perf_counter() - started
        assert batch.rows_new == 50_000 and total(session) == 50_000
        assert elapsed < 30, f"{elapsed:.1f} s"
        assert queries.coverage(session).synthetic
