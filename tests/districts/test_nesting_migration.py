"""Revision e6nesting06 on a database of the old shape: cells across a district border are cut
into one area per district, a yard on the far side of a border moves into its district's
piece with its risk row, an inspector's link to a cut cell follows, and every area is named in
Russian, Kazakh and English. On SQLite and on PostgreSQL (SAFEYARD_TEST_DATABASE_URL)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from shapely.geometry import shape
from sqlmodel import col, select

from alembic import command
from app.accounts.models import User, UserDistrict, UserMicroDistrict
from app.districts.models import District, MicroDistrict
from app.districts.service import DEMO_DATA_DIR
from app.geo.features import read_polygon_features
from app.geo.locator import Area
from app.geo.nesting import Districts, district_shares
from app.platform import migrate
from app.platform.db import Database, UTCDateTime, table_of, utcnow
from app.yards.models import Yard
from app.yards.risk_models import YardRisk
from tests.databases import empty_database

BEFORE = "e5outbox05"
# yard_risk columns added after BEFORE (e7consensus07).
LATER_RISK_COLUMNS = {"item_risk", "cooperatives", "cooperative_index", "risk_low", "risk_high"}
CELLS = DEMO_DATA_DIR / "almaty_grid_h3_r8.geojson"
DISTRICTS = DEMO_DATA_DIR / "almaty_districts_osm.geojson"


def _old_micro() -> sa.TableClause:
    """micro_district as it was before the revision: one Russian name, nullable."""
    return sa.table(
        "micro_district",
        sa.column("id", sa.String),
        sa.column("kind", sa.String),
        sa.column("name", sa.String),
        sa.column("district_id", sa.String),
        sa.column("area_km2", sa.Float),
        sa.column("geometry", sa.Text),
        sa.column("source", sa.String),
        sa.column("imported_at", UTCDateTime()),
    )


def _cutter() -> Districts:
    districts = read_polygon_features(DISTRICTS, id_property="district_id")
    return Districts([Area(d.id, d.geometry) for d in districts])


def _whole_cell(district: str) -> Any:
    cutter = _cutter()
    return next(
        c
        for c in read_polygon_features(CELLS, id_property="cell_id")
        if list(district_shares(c.geometry, cutter)) == [district]
    )


def _crossing_cell() -> tuple[Any, str, str, Any]:
    """A cell across a border: (feature, its file district, the other district, a point in
    the other district's part)."""
    cutter = _cutter()
    for cell in read_polygon_features(CELLS, id_property="cell_id"):
        pieces = district_shares(cell.geometry, cutter)
        if len(pieces) == 2:
            own = cell.properties["district_id"]
            other = next(d for d in pieces if d != own)
            return cell, own, other, pieces[other].representative_point()
    raise AssertionError("no cell across a border")


class TestNestingMigration:
    def test_old_database_is_cut_moved_relinked_and_named(self, tmp_path: Path) -> None:
        cell, own, other, point = _crossing_cell()
        whole = _whole_cell("almaly")
        with empty_database(tmp_path / "nesting.db", prefix="safeyard_nesting") as url:
            migrate.upgrade(url, BEFORE)
            db = Database(url)
            try:
                yard_id, inspector, roaming = self._old_rows(db, cell, whole, own, other, point)
            finally:
                db.dispose()

            migrate.upgrade(url)
            db = Database(url)
            try:
                with db.session() as session:
                    assert session.get(MicroDistrict, cell.id) is None
                    pieces = {
                        m.id: m
                        for m in session.exec(
                            select(MicroDistrict).where(
                                col(MicroDistrict.id).startswith(f"{cell.id}~")
                            )
                        ).all()
                    }
                    assert set(pieces) == {f"{cell.id}~{own}", f"{cell.id}~{other}"}
                    for piece_id, piece in pieces.items():
                        district = session.get(District, piece.district_id)
                        assert district is not None and piece_id.endswith(district.id)
                        for lang in ("ru", "kk", "en"):
                            name = {"ru": piece.name, "kk": piece.name_kk, "en": piece.name_en}
                            assert name[lang] and name[lang].endswith(district.name(lang))
                    yard = session.get(Yard, yard_id)
                    assert yard is not None
                    assert yard.micro_district_id == f"{cell.id}~{other}"
                    risk = session.get(YardRisk, yard_id)
                    assert risk is not None and risk.micro_district_id == yard.micro_district_id
                    links = {
                        (link.user_id, link.micro_district_id)
                        for link in session.exec(select(UserMicroDistrict)).all()
                    }
                    # The inspector of the cell's district keeps the piece in it; one with no
                    # district keeps every piece (every yard he saw).
                    assert (inspector, f"{cell.id}~{own}") in links
                    assert (inspector, f"{cell.id}~{other}") not in links
                    assert {(roaming, p) for p in pieces} <= links
                    assert not any(m == cell.id for _, m in links)
                    kept = session.get(MicroDistrict, whole.id)
                    assert kept is not None and kept.name and kept.name_kk and kept.name_en
                    assert kept.name_kk.endswith("Алмалы ауданы")
            finally:
                db.dispose()

            command.downgrade(migrate.alembic_config(url), BEFORE)
            db = Database(url)
            try:
                with db.session() as session:
                    micro = _old_micro()
                    ids = {r.id for r in session.execute(sa.select(micro.c.id))}
                    assert cell.id in ids and not any("~" in i for i in ids)
                    assert session.get(Yard, yard_id).micro_district_id == cell.id  # type: ignore[union-attr]
            finally:
                db.dispose()

    @staticmethod
    def _old_rows(
        db: Database, cell: Any, whole: Any, own: str, other: str, point: Any
    ) -> tuple[int, int, int]:
        """Districts, two cells imported whole (no names), a yard in the cell on the other
        district's side with its risk row, and two inspectors linked to the cell."""
        with db.write_session() as session:
            doc = json.loads(DISTRICTS.read_text("utf-8"))
            for f in doc["features"]:
                p = f["properties"]
                session.add(
                    District(
                        id=p["district_id"],
                        name_ru=p["name_ru"],
                        name_kk=p["name_kk"],
                        name_en=p["name_en"],
                        geometry=json.dumps(f["geometry"]),
                        source="test",
                    )
                )
            session.flush()
            for feature in (cell, whole):
                session.execute(
                    _old_micro()
                    .insert()
                    .values(
                        id=feature.id,
                        kind="h3",
                        name=None,
                        district_id=feature.properties["district_id"],
                        area_km2=0.7,
                        geometry=feature.geojson,
                        source="test",
                        imported_at=utcnow(),
                    )
                )
            yard = Yard(lat=point.y, lon=point.x, district_id=other, micro_district_id=cell.id)
            session.add(yard)
            session.flush()
            assert yard.id is not None
            # Only the columns the table has at this revision (later ones add more).
            risk = YardRisk(
                yard_id=yard.id,
                micro_district_id=cell.id,
                district_id=other,
                basis="none",
                window_days=180,
            ).model_dump(exclude=LATER_RISK_COLUMNS)
            kept = table_of(YardRisk)
            old_risk = sa.table("yard_risk", *(sa.column(k, kept.c[k].type) for k in risk))
            session.execute(old_risk.insert().values(**risk))
            users = []
            for n in range(2):
                user = User(email=f"i{n}@example.kz", name="i", role="inspector", password_hash="x")
                session.add(user)
                session.flush()
                assert user.id is not None
                users.append(user.id)
                session.add(UserMicroDistrict(user_id=user.id, micro_district_id=cell.id))
            session.add(UserDistrict(user_id=users[0], district_id=own))
            assert shape(json.loads(cell.geojson)).contains(point)
            return yard.id, users[0], users[1]
