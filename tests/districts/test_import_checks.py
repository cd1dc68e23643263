"""safeyard import-districts refuses invalid polygons (unless --repair) and polygons outside the
city's box, on real GeoJSON files and a scratch SQLite database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import shape
from sqlmodel import select
from typer.testing import CliRunner

from app.channels.cli.main import cli
from app.districts import service as districts_service
from app.districts.models import District, MicroDistrict
from app.geo.locator import OutsideCity
from app.platform import migrate
from app.platform.config import PROJECT_ROOT, Settings, get_settings
from app.platform.db import Database

GEO = PROJECT_ROOT / "data" / "geo"
SHARED_GEO = Path("/work/shared/data/geo")  # the data set the issue names, when present
# A bow-tie: its two edges cross at (76.976, 43.232), in Medeu.
BOWTIE = [[76.975, 43.231], [76.977, 43.233], [76.977, 43.231], [76.975, 43.233], [76.975, 43.231]]
# About 2 km around the Kremlin.
MOSCOW = [[37.58, 55.74], [37.63, 55.74], [37.63, 55.76], [37.58, 55.76], [37.58, 55.74]]


def polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


def square(lon: float, lat: float, size: float = 0.002) -> dict[str, Any]:
    return polygon(
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    )


def write(path: Path, *features: tuple[str, dict[str, Any]]) -> Path:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": fid, "name_ru": fid}, "geometry": geometry}
            for fid, geometry in features
        ],
    }
    path.write_text(json.dumps(collection), "utf-8")
    return path


@pytest.fixture
def scratch_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'import.db'}"
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", url)
    get_settings.cache_clear()
    migrate.upgrade(url)
    yield url
    get_settings.cache_clear()


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["import-districts", *args])


def district_and_micro_ids(url: str) -> tuple[set[str], set[str]]:
    db = Database(url)
    try:
        with db.session() as session:
            districts = {d.id for d in session.exec(select(District)).all()}
            micro = {m.id for m in session.exec(select(MicroDistrict)).all()}
    finally:
        db.dispose()
    return districts, micro


def import_almaty(url: str) -> None:
    result = run(
        str(GEO / "almaty_districts_osm.geojson"),
        "--level",
        "district",
        "--id-property",
        "district_id",
    )
    assert result.exit_code == 0, result.output


class TestInvalidGeometry:
    def test_refused_naming_the_feature_and_the_reason(
        self, scratch_db: str, tmp_path: Path
    ) -> None:
        path = write(
            tmp_path / "q.geojson", ("fine", square(76.90, 43.25)), ("bow", polygon(BOWTIE))
        )
        result = run(str(path), "--level", "micro", "--kind", "quarter")
        assert result.exit_code == 1
        assert "nothing imported" in result.output
        assert "feature #1 (id 'bow')" in result.output
        assert "Self-intersection[76.976 43.232]" in result.output
        assert "--repair" in result.output
        assert district_and_micro_ids(scratch_db) == (set(), set())

    def test_repair_applies_make_valid_and_says_what_it_repaired(
        self, scratch_db: str, tmp_path: Path
    ) -> None:
        import_almaty(scratch_db)
        path = write(
            tmp_path / "q.geojson", ("fine", square(76.90, 43.25)), ("bow", polygon(BOWTIE))
        )
        result = run(str(path), "--level", "micro", "--kind", "quarter", "--repair")
        assert result.exit_code == 0, result.output
        assert (
            "repaired feature #1 (id 'bow'): Self-intersection[76.976 43.232]; "
            "repaired with make_valid into a MultiPolygon" in result.output
        )
        assert "fine" not in result.output.split("imported")[0]  # only the repaired one listed
        assert district_and_micro_ids(scratch_db)[1] == {"fine", "bow"}


class TestCityBox:
    def test_a_polygon_around_moscow_is_refused(self, scratch_db: str, tmp_path: Path) -> None:
        import_almaty(scratch_db)
        path = write(
            tmp_path / "far.geojson",
            ("almaly-2", square(76.92, 43.25)),
            ("moscow", polygon(MOSCOW)),
        )
        for level in ("district", "micro"):
            result = run(str(path), "--level", level, "--repair")
            assert result.exit_code == 1
            assert "feature #1 (id 'moscow'): reaches outside the city's box" in result.output
            assert "SAFEYARD_CITY_BBOX" in result.output
        districts, micro = district_and_micro_ids(scratch_db)
        assert "moscow" not in districts | micro and "almaly-2" not in districts | micro
        db = Database(scratch_db)
        try:
            with db.session() as session:
                areas = districts_service.load_area_index(session)
        finally:
            db.dispose()
        assert areas is not None
        with pytest.raises(OutsideCity):
            areas.locate(55.75, 37.6)
        assert areas.locate(43.2389, 76.8897).district_id  # Almaty still placed

    def test_the_box_is_a_setting(
        self, scratch_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("SAFEYARD_CITY_BBOX", "37.0,55.0,38.5,56.5")
        get_settings.cache_clear()
        path = write(tmp_path / "moscow.geojson", ("moscow", polygon(MOSCOW)))
        result = run(str(path), "--level", "district")
        assert result.exit_code == 0, result.output
        assert district_and_micro_ids(scratch_db)[0] == {"moscow"}
        almaty = run(
            str(GEO / "almaty_districts_osm.geojson"),
            "--level",
            "district",
            "--id-property",
            "district_id",
        )
        assert almaty.exit_code == 1 and "outside the city's box" in almaty.output

    def test_the_default_box_holds_every_shipped_layer(self) -> None:
        min_lon, min_lat, max_lon, max_lat = Settings().city_bounds
        files = sorted(GEO.glob("*.geojson")) + sorted(SHARED_GEO.glob("*.geojson"))
        assert len(files) >= 4
        for path in files:
            for raw in json.loads(path.read_text("utf-8"))["features"]:
                left, bottom, right, top = shape(raw["geometry"]).bounds
                assert min_lon < left and right < max_lon, path
                assert min_lat < bottom and top < max_lat, path
