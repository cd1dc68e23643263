"""``safeyard import-offences`` on a scratch SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from app.channels.cli.main import cli
from app.checklists.loader import ChecklistRegistry
from app.demo.reference import load_reference_data
from app.offences.models import Offence, OffenceImport
from app.platform import migrate
from app.platform.config import get_settings
from app.platform.db import Database
from app.platform.translations import current_lang
from tests.offences.files import KAPCHAGAY, KOK_TOBE, MEGA, Row, esri_page, geojson, write_json

PAGE_1 = [Row(1, date(2025, 1, 10), "188", KOK_TOBE), Row(2, date(2025, 1, 11), "190", MEGA)]
PAGE_2 = [Row(3, date(2025, 2, 1), "188 ч.1", MEGA), Row(4, date(2025, 2, 3), "188", KAPCHAGAY)]


@pytest.fixture(scope="module")
def scratch(
    tmp_path_factory: pytest.TempPathFactory, registry: ChecklistRegistry
) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path_factory.mktemp('offences') / 'offences.db'}"
    migrate.upgrade(url)
    db = Database(url)
    load_reference_data(db, registry=registry)
    yield db
    db.dispose()


@pytest.fixture
def database(scratch: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The scratch database, emptied of offences before each test."""
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", scratch.url)
    get_settings.cache_clear()
    with scratch.write_session() as session:
        session.execute(Offence.__table__.delete())  # type: ignore[attr-defined]
        session.execute(OffenceImport.__table__.delete())  # type: ignore[attr-defined]
    yield scratch
    get_settings.cache_clear()


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["import-offences", *args])
    return result.exit_code, result.output


class TestImportOffencesCommand:
    def test_pages_as_files_then_again(self, database: Database, tmp_path: Path) -> None:
        one = write_json(tmp_path / "page1.json", esri_page(PAGE_1, more=True))
        two = write_json(tmp_path / "page2.json", esri_page(PAGE_2, wkid=102100))
        code, out = run(str(one), str(two), "--source", "KPSSU test")
        assert code == 0, out
        assert (
            "page1.json (esri-json): 2 read, 2 new, 0 already stored, 0 outside every "
            "district; dates 2025-01-10 to 2025-01-11"
        ) in out
        assert "page2.json (esri-json): 2 read, 1 new, 0 already stored, 1 outside" in out
        assert "warning: page1.json: the server had more records" in out
        assert "stored 3 new offences from 2 file(s); source: KPSSU test" in out
        assert count(database, Offence) == 3 and count(database, OffenceImport) == 2
        code, out = run(str(one), str(two), "--source", "KPSSU test")
        assert code == 0 and "stored 0 new offences" in out
        assert "2 read, 0 new, 2 already stored" in out
        assert count(database, Offence) == 3

    def test_dry_run_counts_across_files_and_stores_nothing(
        self, database: Database, tmp_path: Path
    ) -> None:
        one = write_json(tmp_path / "one.json", esri_page(PAGE_1))
        same = write_json(tmp_path / "same.geojson", geojson(PAGE_1))
        code, out = run(str(one), str(same), "--dry-run")
        assert code == 0, out
        assert "same.geojson (geojson): 2 read, 0 would be new, 2 already stored" in out
        assert "dry run: 2 offences would be stored; nothing stored" in out
        assert count(database, Offence) == 0 and count(database, OffenceImport) == 0

    def test_a_bad_file_stores_nothing_of_any_file(
        self, database: Database, tmp_path: Path
    ) -> None:
        good = write_json(tmp_path / "good.json", esri_page(PAGE_1))
        bad_rows = [PAGE_2[0].but(hard_code=7), PAGE_2[1].but(stat="")]
        bad = write_json(tmp_path / "bad.json", esri_page(bad_rows))
        language = current_lang.get()
        code, out = run(str(good), str(bad))
        assert current_lang.get() == language  # the command reset what it set
        assert code == 1
        assert "bad.json has 2 problem(s):" in out
        assert "Offence no. 1 (id “3”), field “hard_code”: “7” is not a severity" in out
        assert "Offence no. 2 (id “4”), field “stat”: the Criminal Code article is missing" in out
        assert "nothing imported" in out
        assert count(database, Offence) == 0 and count(database, OffenceImport) == 0

    def test_most_points_outside_warns(self, database: Database, tmp_path: Path) -> None:
        swapped = [r.but(point=(r.point[1], r.point[0])) for r in PAGE_1]  # lat 76.9: the Arctic
        code, out = run(str(write_json(tmp_path / "swapped.json", esri_page(swapped))))
        assert code == 0, out
        assert "2 of 2 offences lie outside every district; check the coordinates" in out
