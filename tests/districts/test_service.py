"""Importing districts and micro-districts into the database, and the locator built from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, col, create_engine, func, select

import app.models  # noqa: F401  (every table, for the empty database below)
from app.districts import service as districts_service
from app.districts.models import District, MicroDistrict
from app.geo.errors import GeoImportError

DATA = districts_service.DEMO_DATA_DIR
POPULATION_2023 = 2_161_695
# The 916 H3 cells make 1,058 areas: 136 cells across a border are cut, one area per district.
AREAS_PER_DISTRICT = {
    "alatau": 155,
    "almaly": 30,
    "auezov": 41,
    "bostandyk": 158,
    "medeu": 381,
    "nauryzbay": 107,
    "turksib": 117,
    "zhetysu": 69,
}
AREAS = 1058
KOK_TOBE = (43.2322, 76.9758)


def write_geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def square(lon: float, lat: float, size: float = 0.002) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def import_quarters(session: Session, path: Path, **overrides: Any) -> int:
    arguments: dict[str, Any] = {
        "path": path,
        "id_property": "qid",
        "kind": "quarter",
        "source": "test",
        "name_property": "name",
        "district_property": "district",
    }
    arguments.update(overrides)
    return districts_service.import_micro_districts(session, **arguments)


def snapshot(session: Session) -> list[dict[str, Any]]:
    session.expire_all()
    rows = [*session.exec(select(District)).all(), *session.exec(select(MicroDistrict)).all()]
    return sorted((row.model_dump() for row in rows), key=lambda r: (len(r), r["id"]))


class TestLoadDemoGeography:
    def test_counts_and_population(self, session: Session) -> None:
        districts_service.load_demo_geography(session)
        districts = session.exec(select(District)).all()
        assert sorted(d.id for d in districts) == sorted(AREAS_PER_DISTRICT)
        assert sum(d.population or 0 for d in districts) == POPULATION_2023
        assert {d.population_as_of for d in districts} == {"2023-01-01"}
        almaly = session.get(District, "almaly")
        assert almaly is not None
        assert (almaly.name_ru, almaly.name_kk, almaly.population) == (
            "Алмалинский район",
            "Алмалы ауданы",
            262_521,
        )
        assert almaly.area_km2 == pytest.approx(18.01, abs=0.01)
        assert "OpenStreetMap" in almaly.source

        per_district = session.exec(
            select(MicroDistrict.district_id, func.count())
            .where(MicroDistrict.kind == "h3")
            .group_by(col(MicroDistrict.district_id))
        ).all()
        assert dict(per_district) == AREAS_PER_DISTRICT
        assert sum(AREAS_PER_DISTRICT.values()) == AREAS

    def test_idempotent(self, session: Session) -> None:
        districts_service.load_demo_geography(session)
        session.flush()
        before = snapshot(session)
        districts_service.load_demo_geography(session)
        session.flush()
        assert snapshot(session) == before  # imported_at too: unchanged rows are not rewritten

    def test_import_functions_return_counts(self, session: Session) -> None:
        assert (
            districts_service.import_districts(
                session,
                path=DATA / "almaty_districts_osm.geojson",
                population_property="pop_2023_01_01",
                population_as_of="2023-01-01",
                source="test",
            )
            == 8
        )
        assert sum(d.population or 0 for d in session.exec(select(District))) == POPULATION_2023
        assert (
            districts_service.import_micro_districts(
                session,
                path=DATA / "almaty_grid_h3_r8.geojson",
                id_property="cell_id",
                kind="h3",
                district_property="district_id",
                source="test",
            )
            == AREAS
        )

    def test_simplified_districts_missing_name_falls_back(self, session: Session) -> None:
        count = districts_service.import_districts(
            session,
            path=DATA / "almaty_districts_osm_simplified.geojson",
            id_property="slug",
            name_properties={"ru": "nameRu", "en": "nameEn"},
            source="test",
        )
        assert count == 8
        medeu = session.get(District, "medeu")
        assert medeu is not None
        assert medeu.name_en == medeu.name_kk == "Медеуский район"  # no nameEn, no kk names
        assert medeu.population is None


class TestLoadAreaIndex:
    def test_locates_from_the_tables(self, session: Session) -> None:
        districts_service.load_demo_geography(session)
        index = districts_service.load_area_index(session)
        assert index is not None
        assert index.micro_district_count == AREAS
        placement = index.locate(*KOK_TOBE)
        assert placement.district_id == "medeu"
        micro = session.get(MicroDistrict, placement.micro_district_id)
        assert micro is not None and micro.kind == "h3"

    def test_micro_kind_selects_one_layer(self, session: Session, tmp_path: Path) -> None:
        districts_service.load_demo_geography(session)
        path = write_geojson(tmp_path / "q.geojson", [feature(square(76.975, 43.231), qid="q1")])
        import_quarters(session, path)
        every_kind = districts_service.load_area_index(session)
        h3_only = districts_service.load_area_index(session, micro_kind="h3")
        quarters = districts_service.load_area_index(session, micro_kind="quarter")
        assert every_kind is not None and h3_only is not None and quarters is not None
        assert (every_kind.micro_district_count, h3_only.micro_district_count) == (AREAS + 1, AREAS)
        assert quarters.locate(*KOK_TOBE).micro_district_id == "q1"

    def test_gap_snap_from_settings(self, session: Session) -> None:
        districts_service.load_demo_geography(session)
        default = districts_service.load_area_index(session)
        narrow = districts_service.load_area_index(session, gap_snap_m=50)
        assert default is not None and narrow is not None
        assert (default.gap_snap_m, narrow.gap_snap_m) == (200.0, 50)

    def test_none_before_any_import(self) -> None:
        engine = create_engine("sqlite://")
        SQLModel.metadata.create_all(engine)
        with Session(engine) as empty:
            assert districts_service.load_area_index(empty) is None
        engine.dispose()


class TestImportMicroDistricts:
    def test_largest_share_when_district_unknown(self, session: Session, tmp_path: Path) -> None:
        districts_service.load_demo_geography(session)
        path = write_geojson(
            tmp_path / "q.geojson",
            [
                feature(square(76.975, 43.231), qid="q1", name="Kok-Tobe", district="nowhere"),
                feature(square(76.975, 43.231), qid="q2", district="almaly"),
                feature(square(77.30, 43.50), qid="q3"),  # in the box, in no district
            ],
        )
        assert import_quarters(session, path) == 3
        q1, q2, q3 = (session.get(MicroDistrict, i) for i in ("q1", "q2", "q3"))
        assert q1 is not None and q2 is not None and q3 is not None
        assert (q1.district_id, q1.name, q1.kind, q1.source) == (
            "medeu",
            "Kok-Tobe",
            "quarter",
            "test",
        )
        # The file's district only for a polygon in none: areas nest in the district they lie in.
        assert q2.district_id == "medeu"
        assert q3.district_id is None  # outside the city
        assert q1.area_km2 == pytest.approx(0.0361, abs=0.001)

    def test_point_feature_named(self, session: Session, tmp_path: Path) -> None:
        path = write_geojson(
            tmp_path / "bad.geojson",
            [
                feature(square(76.9, 43.25), qid="a"),
                feature({"type": "Point", "coordinates": [76.9, 43.25]}, qid="b"),
            ],
        )
        with pytest.raises(GeoImportError, match=r"bad\.geojson: feature #1 \(id 'b'\).*Point"):
            import_quarters(session, path)
        # Nothing half-imported: the good feature before the bad one was not added either.
        assert session.get(MicroDistrict, "a") is None

    def test_duplicate_id_named(self, session: Session, tmp_path: Path) -> None:
        path = write_geojson(
            tmp_path / "dup.geojson",
            [
                feature(square(76.90, 43.25), qid="a"),
                feature(square(76.91, 43.25), qid="b"),
                feature(square(76.92, 43.25), qid="a"),
            ],
        )
        with pytest.raises(GeoImportError, match=r"feature #2 \(id 'a'\): duplicate id.*#0"):
            import_quarters(session, path)
        assert (
            session.exec(select(MicroDistrict).where(MicroDistrict.kind == "quarter")).all() == []
        )

    @pytest.mark.parametrize(
        ("geometry", "properties", "message"),
        [
            (square(76.9, 43.25), {}, r"feature #0: missing id \(property 'qid'\)"),
            (square(76.9, 43.25), {"qid": " "}, "missing id"),
            (square(76.9, 43.25), {"qid": 1.5}, "not a string or an integer"),
            (None, {"qid": "x"}, "geometry is missing"),
            ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, {"qid": "x"}, "LineString"),
            (square(650_000, 4_790_000, 100), {"qid": "x"}, "not longitude/latitude"),
            (
                {"type": "Polygon", "coordinates": [[[76.9, 43.2], [76.91, 43.2], [76.9, 43.2]]]},
                {"qid": "x"},
                "invalid geometry that cannot be repaired",
            ),
            ({"type": "Polygon", "coordinates": "nonsense"}, {"qid": "x"}, "malformed Polygon"),
        ],
    )
    def test_bad_feature(
        self,
        session: Session,
        tmp_path: Path,
        geometry: dict[str, Any] | None,
        properties: dict[str, Any],
        message: str,
    ) -> None:
        path = write_geojson(tmp_path / "bad.geojson", [feature(geometry, **properties)])
        with pytest.raises(GeoImportError, match=message):
            import_quarters(session, path, repair=True)

    def test_not_a_feature_collection(self, session: Session, tmp_path: Path) -> None:
        path = tmp_path / "x.geojson"
        path.write_text(json.dumps(square(76.9, 43.25)), "utf-8")
        with pytest.raises(GeoImportError, match="expected a GeoJSON FeatureCollection"):
            import_quarters(session, path)
        path.write_text("{not json", "utf-8")
        with pytest.raises(GeoImportError, match="cannot read the GeoJSON file"):
            import_quarters(session, path)

    def test_self_intersecting_polygon_repaired(self, session: Session, tmp_path: Path) -> None:
        districts_service.load_demo_geography(session)
        bowtie = [[76.975, 43.231], [76.977, 43.233], [76.977, 43.231], [76.975, 43.233]]
        geometry = {"type": "Polygon", "coordinates": [[*bowtie, bowtie[0]]]}
        path = write_geojson(tmp_path / "bowtie.geojson", [feature(geometry, qid="bow")])
        with pytest.raises(GeoImportError, match=r"#0 \(id 'bow'\): invalid geometry \(Self"):
            import_quarters(session, path)
        assert session.get(MicroDistrict, "bow") is None
        repairs: list[str] = []
        assert import_quarters(session, path, repair=True, repairs=repairs) == 1
        assert len(repairs) == 1 and "Self-intersection" in repairs[0]
        row = session.get(MicroDistrict, "bow")
        assert row is not None and row.district_id == "medeu"
        assert json.loads(row.geometry)["type"] == "MultiPolygon"

    def test_id_of_another_kind_is_not_overwritten(self, session: Session, tmp_path: Path) -> None:
        districts_service.load_demo_geography(session)
        path = write_geojson(
            tmp_path / "q.geojson", [feature(square(76.9, 43.25), qid="8820e60001fffff")]
        )
        with pytest.raises(GeoImportError, match="already used by a micro-district of kind 'h3'"):
            import_quarters(session, path)


class TestImportDistricts:
    def test_population_csv_with_unknown_district(self, session: Session, tmp_path: Path) -> None:
        csv_path = tmp_path / "pop.csv"
        csv_path.write_text(
            "district_id,pop_total,as_of\nalmaly,1,2023-01-01\natlantis,5,2023-01-01\n", "utf-8"
        )
        with pytest.raises(GeoImportError, match=r"pop\.csv: line 3: district 'atlantis'"):
            districts_service.import_districts(
                session,
                path=DATA / "almaty_districts_osm.geojson",
                population_csv=csv_path,
                source="test",
            )

    def test_population_csv_missing_columns(self, session: Session, tmp_path: Path) -> None:
        csv_path = tmp_path / "pop.csv"
        csv_path.write_text("district,people\nalmaly,1\n", "utf-8")
        with pytest.raises(GeoImportError, match="expected columns as_of, district_id, pop_total"):
            districts_service.import_districts(
                session,
                path=DATA / "almaty_districts_osm.geojson",
                population_csv=csv_path,
                source="test",
            )
