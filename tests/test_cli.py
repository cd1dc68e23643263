"""The safeyard command: import-districts and demo on a scratch SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app.channels.cli.main import cli
from app.districts.models import District, MicroDistrict
from app.platform import migrate
from app.platform.config import PROJECT_ROOT, get_settings
from app.platform.db import Database
from app.submissions.models import Submission

GEO = PROJECT_ROOT / "data" / "geo"


@pytest.fixture
def scratch_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


class TestImportDistricts:
    def test_districts_then_micro_districts(self, scratch_db: str) -> None:
        migrate.upgrade(scratch_db)
        runner = CliRunner()
        districts = runner.invoke(
            cli,
            [
                "import-districts",
                str(GEO / "almaty_districts_osm.geojson"),
                "--level",
                "district",
                "--id-property",
                "district_id",
                "--population-csv",
                str(GEO / "almaty_district_population_2023.csv"),
            ],
        )
        assert districts.exit_code == 0, districts.output
        assert "imported 8 districts" in districts.output
        cells = runner.invoke(
            cli,
            [
                "import-districts",
                str(GEO / "almaty_grid_h3_r8.geojson"),
                "--level",
                "micro",
                "--id-property",
                "cell_id",
                "--kind",
                "h3",
            ],
        )
        assert cells.exit_code == 0, cells.output
        # 916 cells, 136 of them across a district border: cut, one area per district, and
        # each named in a warning (areas nest in districts).
        assert "imported 1058 micro-districts" in cells.output
        assert cells.output.count("crosses district borders") == 136
        assert "(id '8820e60041fffff') crosses district borders" in cells.output
        db = Database(scratch_db)
        with db.session() as session:
            assert len(session.exec(select(District)).all()) == 8
            assert len(session.exec(select(MicroDistrict)).all()) == 1058
        db.dispose()

    def test_a_broken_file_imports_nothing_and_says_why(
        self, scratch_db: str, tmp_path: Path
    ) -> None:
        migrate.upgrade(scratch_db)
        broken = tmp_path / "broken.geojson"
        broken.write_text(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"id": "a"},
                            "geometry": {"type": "Point", "coordinates": [76.9, 43.2]},
                        }
                    ],
                }
            )
        )
        result = CliRunner().invoke(cli, ["import-districts", str(broken), "--level", "micro"])
        assert result.exit_code == 1
        assert "nothing imported" in result.output and "Point" in result.output


class TestDemo:
    def test_demo_is_seeded_and_idempotent(self, scratch_db: str) -> None:
        runner = CliRunner()
        args = ["demo", "--yards", "20", "--submissions", "60", "--seed", "5"]
        first = runner.invoke(cli, args)
        assert first.exit_code == 0, first.output
        assert "60 new synthetic submissions" in first.output
        again = runner.invoke(cli, args)
        assert "0 new synthetic submissions" in again.output
        db = Database(scratch_db)
        with db.session() as session:
            rows = session.exec(select(Submission)).all()
            assert len(rows) == 60 and all(s.synthetic for s in rows)
            assert {s.role for s in rows} <= {"resident", "inspector"}
        db.dispose()


class TestRefreshAreas:
    def test_refresh_after_demo(self, scratch_db: str) -> None:
        runner = CliRunner()
        assert runner.invoke(cli, ["demo", "--yards", "10", "--submissions", "20"]).exit_code == 0
        result = runner.invoke(cli, ["refresh-areas"])
        assert result.exit_code == 0, result.output
        assert "refreshed" in result.output and "yards" in result.output


class TestMigrate:
    def test_a_new_database_is_created_without_a_refresh(self, scratch_db: str) -> None:
        result = CliRunner().invoke(cli, ["migrate"])
        assert result.exit_code == 0, result.output
        assert "database is up to date" in result.output and "refreshed" not in result.output
        assert migrate.upgrade(scratch_db) is False  # already at the newest: nothing moved

    def test_an_upgrade_rebuilds_every_yard_figure(self, scratch_db: str) -> None:
        migrate.upgrade(scratch_db, "e6nesting06")
        result = CliRunner().invoke(cli, ["migrate"])
        assert result.exit_code == 0, result.output
        assert "upgraded: refreshed 0 yards" in result.output
        assert migrate.current_revision(scratch_db) != "e6nesting06"
