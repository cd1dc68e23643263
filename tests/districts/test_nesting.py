"""Areas nest in districts (issue 12): the import cuts polygons at district borders, the demo
geography and its yards nest, and the one scope rule then lets a district's inspector open
every yard of every area of his district, and no other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete as sa_delete
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.accounts.scope import Scope
from app.checklists.loader import ChecklistRegistry
from app.demo import synthetic
from app.demo.reference import load_reference_data
from app.districts import service as districts_service
from app.districts.models import District, MicroDistrict
from app.districts.naming import area_name
from app.geo.errors import GeoImportError
from app.platform import migrate
from app.platform.config import Settings
from app.platform.db import Database
from app.yards import service as yards_service
from app.yards.models import Yard
from tests.accounts.support import logged_in
from tests.databases import empty_database
from tests.factories import create_user

BORDER_CELL = "8820e60041fffff"  # an H3 cell across the turksib / zhetysu border


def _cell_feature(cell_id: str, **properties: Any) -> dict[str, Any]:
    grid = json.loads((districts_service.DEMO_DATA_DIR / "almaty_grid_h3_r8.geojson").read_text())
    found = next(f for f in grid["features"] if f["properties"]["cell_id"] == cell_id)
    return {"type": "Feature", "properties": properties, "geometry": found["geometry"]}


def _write(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


class TestImportCutsAtBorders:
    def test_a_polygon_across_a_border_is_cut_and_named_in_a_warning(
        self, session: Session, tmp_path: Path
    ) -> None:
        districts_service.load_demo_geography(session)
        path = _write(
            tmp_path / "q.geojson",
            [_cell_feature(BORDER_CELL, qid="border-q", name="Квартал у границы")],
        )
        warnings: list[str] = []
        count = districts_service.import_micro_districts(
            session,
            path=path,
            id_property="qid",
            kind="quarter",
            source="test",
            name_property="name",
            warnings=warnings,
        )
        assert count == 2
        (warning,) = warnings
        assert "'border-q'" in warning and "border-q~turksib" in warning
        assert "border-q~zhetysu" in warning
        pieces = session.exec(
            select(MicroDistrict).where(col(MicroDistrict.id).startswith("border-q"))
        ).all()
        assert sorted((m.id, m.district_id) for m in pieces) == [
            ("border-q~turksib", "turksib"),
            ("border-q~zhetysu", "zhetysu"),
        ]
        turksib = next(m for m in pieces if m.district_id == "turksib")
        assert area_name(turksib, "ru") == "Квартал у границы · Турксибский район"
        assert area_name(turksib, "kk") == "Квартал у границы · Түркісіб ауданы"
        assert session.get(MicroDistrict, "border-q") is None

    def test_a_district_named_by_the_file_but_not_holding_the_polygon_is_warned(
        self, session: Session, tmp_path: Path
    ) -> None:
        districts_service.load_demo_geography(session)
        inside = _cell_feature("8820e60003fffff", qid="q-in", district="almaly")  # turksib
        warnings: list[str] = []
        districts_service.import_micro_districts(
            session,
            path=_write(tmp_path / "q.geojson", [inside]),
            id_property="qid",
            kind="quarter",
            source="test",
            district_property="district",
            warnings=warnings,
        )
        assert warnings == [
            "feature #0 (id 'q-in') names district 'almaly' but lies in 'turksib': "
            "imported in 'turksib'"
        ]
        area = session.get(MicroDistrict, "q-in")
        assert area is not None and area.district_id == "turksib"
        # No name in the file: the district and the code, in each language.
        assert area_name(area, "kk") == "Түркісіб ауданы · q-in"


class TestReimportAcrossABorder:
    def test_a_whole_area_now_across_a_border_is_replaced_unless_rows_refer_to_it(
        self, session: Session, tmp_path: Path
    ) -> None:
        districts_service.load_demo_geography(session)
        inside = _cell_feature("8820e60003fffff", qid="q-moved")  # wholly in turksib
        across = _cell_feature(BORDER_CELL, qid="q-moved")
        arguments: dict[str, Any] = {"id_property": "qid", "kind": "quarter", "source": "t"}
        districts_service.import_micro_districts(
            session, path=_write(tmp_path / "a.geojson", [inside]), **arguments
        )
        yard = yards_service.create_yard(
            session,
            lat=43.35,
            lon=76.98,
            district_id="turksib",
            micro_district_id="q-moved",
            address=None,
        )
        with pytest.raises(GeoImportError, match="1 row\\(s\\) of yard refer to it"):
            districts_service.import_micro_districts(
                session, path=_write(tmp_path / "b.geojson", [across]), **arguments
            )
        session.execute(sa_delete(Yard).where(col(Yard.id) == yard.id))
        districts_service.import_micro_districts(
            session, path=_write(tmp_path / "c.geojson", [across]), **arguments
        )
        assert session.get(MicroDistrict, "q-moved") is None
        assert session.get(MicroDistrict, "q-moved~zhetysu") is not None


class TestDemoGeographyNests:
    def test_every_area_has_one_district_and_a_name_in_each_language(
        self, session: Session
    ) -> None:
        areas = session.exec(select(MicroDistrict).where(MicroDistrict.kind == "h3")).all()
        assert areas and all(a.district_id for a in areas)
        assert all(a.name and a.name_kk and a.name_en for a in areas)
        districts = {d.id: d for d in session.exec(select(District)).all()}
        for area in areas:
            district = districts[area.district_id or ""]
            # "<name> · <district>", or "<district> · <code>" where the data names nothing.
            assert area.name_kk and (
                area.name_kk.endswith(district.name_kk) or area.name_kk.startswith(district.name_kk)
            ), area.id
            assert "~" not in area.id or area.id.endswith(f"~{area.district_id}")

    def test_the_demo_yards_nest_and_their_inspectors_see_every_yard_of_their_areas(
        self, tmp_path: Path, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        with empty_database(tmp_path / "demo.db", prefix="safeyard_nest_demo") as url:
            migrate.upgrade(url)
            db = Database(url)
            try:
                load_reference_data(db, registry=registry)
                with db.session() as session:
                    index = districts_service.load_area_index(session)
                assert index is not None
                synthetic.generate(
                    db,
                    registry=registry,
                    areas=index,
                    settings=settings,
                    yards=400,
                    submissions=400,
                    seed=2026,
                )
                with db.session() as session:
                    self._check_nesting(session)
            finally:
                db.dispose()

    @staticmethod
    def _check_nesting(session: Session) -> None:
        rows = session.exec(
            select(Yard, MicroDistrict).join(
                MicroDistrict, col(MicroDistrict.id) == col(Yard.micro_district_id)
            )
        ).all()
        assert len(rows) >= 390
        assert [y.id for y, area in rows if area.district_id != y.district_id] == []
        mixed = session.exec(
            select(Yard.micro_district_id)
            .group_by(col(Yard.micro_district_id))
            .having(func.count(func.distinct(Yard.district_id)) > 1)
        ).all()
        assert mixed == []
        # Some yards lie in pieces of cut cells: the case the old shape got wrong.
        assert any("~" in (y.micro_district_id or "") for y, _ in rows)
        for district_id in {y.district_id for y, _ in rows}:
            inspector = Scope(role=UserRole.inspector, district_ids=frozenset({district_id}))
            listed = [y for y, area in rows if area.district_id == district_id]
            assert listed and all(inspector.may_see_yard(y) for y in listed)
            others = [y for y, area in rows if area.district_id != district_id]
            assert not any(inspector.may_see_yard(y) for y in others)


class TestInspectorsOfBothSides:
    @pytest.fixture
    def pieces(self, db: Database) -> dict[str, str]:
        with db.session() as session:
            found = session.exec(
                select(MicroDistrict.id, MicroDistrict.district_id).where(
                    col(MicroDistrict.id).startswith(f"{BORDER_CELL}~")
                )
            ).all()
        return {district: micro for micro, district in found if district}

    def test_each_district_inspector_opens_his_piece_and_not_the_other(
        self, client: TestClient, db: Database, pieces: dict[str, str]
    ) -> None:
        assert set(pieces) == {"turksib", "zhetysu"}
        for district, piece in pieces.items():
            links = accounts_service.Links([district], [], [])
            inspector = logged_in(client.app, create_user(db, role=UserRole.inspector, links=links))
            assert inspector.get(f"/inspector/areas/{piece}").status_code == 200
            other = next(p for d, p in pieces.items() if d != district)
            assert inspector.get(f"/inspector/areas/{other}").status_code == 403
