"""The map's yard layer at any zoom: yards under the limit, clusters per area over it, each
with its yard count and mean risk (null without a current risk), within the scope."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, shape
from sqlmodel import Session, select

from app.accounts.models import UserRole
from app.accounts.scope import Scope
from app.areas.shapes import load_area_shapes
from app.areas.yard_points import KeptYardPoints, YardPoints
from app.channels.staff import map_views
from app.channels.staff.map_clusters import YardLayer, yard_layer
from app.channels.staff.map_views import BBox
from app.checklists.loader import ChecklistRegistry
from app.districts.models import MicroDistrict
from app.platform.config import Settings
from app.platform.db import Database, table_of, utcnow
from app.scoring import band_for
from app.yards.models import Yard
from app.yards.risk_models import YardRisk
from tests.factories import new_location, submission_body
from tests.inspectors.support import new_yard, submit_at

ADMIN = Scope(role=UserRole.admin, city_wide=True)


def points(session: Session) -> YardPoints:
    """The yards' points as a fresh process reads them (the test's session sees its rows)."""
    return KeptYardPoints().current(session)


_YARD = table_of(Yard)
_YARD_RISK = table_of(YardRisk)


def yards_in_bbox(
    session: Session, *, bbox: BBox, scope: Scope, limit: int = 1500
) -> tuple[list[dict[str, Any]], bool]:
    """The oracle the kept points are checked against: the yards in the box that the scope
    may see, read with SQL from the yards' risk rows as the map did before it kept them, as
    GeoJSON point features, and whether more than ``limit`` were there (then none)."""
    query = (
        select(
            _YARD.c.id,
            _YARD.c.lat,
            _YARD.c.lon,
            _YARD_RISK.c.micro_district_id,
            _YARD_RISK.c.district_id,
            _YARD_RISK.c.risk_index,
            _YARD_RISK.c.band,
            _YARD_RISK.c.basis,
        )
        .join(_YARD_RISK, _YARD_RISK.c.yard_id == _YARD.c.id)
        .where(
            _YARD.c.lat.between(bbox.south, bbox.north),
            _YARD.c.lon.between(bbox.west, bbox.east),
        )
        .order_by(_YARD.c.id)
        .limit(limit + 1)
    )
    query = scope.filter(
        query,
        district_column=_YARD_RISK.c.district_id,
        micro_district_column=_YARD_RISK.c.micro_district_id,
        yard_column=_YARD.c.id,
    )
    rows = session.execute(query).all()
    if len(rows) > limit:
        return [], True
    features = [
        {
            "type": "Feature",
            "id": r.id,
            "geometry": {"type": "Point", "coordinates": [round(r.lon, 5), round(r.lat, 5)]},
            "properties": {
                "yard_id": r.id,
                "url": f"/yards/{r.id}",
                "micro_district_id": r.micro_district_id,
                "district_id": r.district_id,
                "risk_index": None if r.risk_index is None else round(r.risk_index, 1),
                "band": r.band,
                "basis": r.basis,
            },
        }
        for r in rows
    ]
    return features, False


def own_cell(session: Session, district_id: str) -> tuple[str, Any]:
    """A micro-district of ``district_id`` no other test has a point in, and its outline."""
    where = new_location(district_id, own_area=True)
    point = Point(where["lon"], where["lat"])
    cells = session.exec(select(MicroDistrict).where(MicroDistrict.district_id == district_id))
    for cell in cells:
        outline = shape(json.loads(cell.geometry))
        if outline.contains(point):
            return cell.id, outline
    raise AssertionError(f"no micro-district of {district_id} holds {where}")


def box_of(outline: Any) -> BBox:
    west, south, east, north = outline.bounds
    return BBox(west, south, east, north)


def cluster_of(layer: YardLayer, area_id: str) -> dict[str, Any] | None:
    return next((f for f in layer.features if f["properties"]["area_id"] == area_id), None)


class TestYardLayer:
    @pytest.fixture
    def cell(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> dict[str, Any]:
        """Three yards in a micro-district of their own: two with a current risk (one worst,
        one best answers), one whose only checklist is older than the window."""
        cell_id, outline = own_cell(session, "nauryzbay")
        ids = [
            new_yard(session, district_id="nauryzbay", micro_district_id=cell_id, address=f"y{n}")
            for n in range(3)
        ]
        now = utcnow()
        worst = submit_at(session, registry, settings, yard_id=ids[0], at=now, pick="worst")
        best = submit_at(session, registry, settings, yard_id=ids[1], at=now, pick="best")
        submit_at(
            session, registry, settings, yard_id=ids[2], at=now - timedelta(days=400), pick="worst"
        )
        session.flush()
        return {"id": cell_id, "outline": outline, "yards": ids, "risks": (worst, best)}

    def test_clusters_over_the_limit(self, session: Session, cell: dict[str, Any]) -> None:
        shapes = load_area_shapes(session)
        box = box_of(cell["outline"])
        layer = yard_layer(
            points(session), bbox=box, scope=ADMIN, shapes=shapes, min_audited=3, limit=1
        )
        assert layer.mode == "clusters"
        assert layer.yards_in_box >= 3
        cluster = cluster_of(layer, cell["id"])
        assert cluster is not None
        p = cluster["properties"]
        worst, best = cell["risks"]
        mean = (worst + best) / 2  # the yard with no current risk is counted, not averaged
        assert p["yard_count"] == 3 and p["yards_audited"] == 2
        assert p["mean_risk"] == pytest.approx(round(mean, 1))
        assert p["band"] == band_for(mean)
        assert p["enough_data"] is False  # 2 audited < 3, the area map's "not enough data"
        assert p["area_kind"] == "micro_district" and p["district_id"] == "nauryzbay"
        assert cluster["id"] == f"micro_district:{cell['id']}"
        # Drawn inside its area, with the extent of its yards to zoom to.
        lon, lat = cluster["geometry"]["coordinates"]
        assert cell["outline"].buffer(1e-4).contains(Point(lon, lat))
        west, south, east, north = p["zoom_bbox"]
        for yard_id in cell["yards"]:
            yard = session.get(Yard, yard_id)
            assert yard is not None
            assert west - 1e-5 <= yard.lon <= east + 1e-5
            assert south - 1e-5 <= yard.lat <= north + 1e-5
        # No yard-level detail in a cluster.
        assert not {"url", "yard_id", "address"} & set(p)
        enough = yard_layer(
            points(session), bbox=box, scope=ADMIN, shapes=shapes, min_audited=2, limit=1
        )
        found = cluster_of(enough, cell["id"])
        assert found is not None and found["properties"]["enough_data"] is True

    def test_no_current_risk_is_no_mean(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        cell_id, outline = own_cell(session, "zhetysu")
        yard_id = new_yard(session, district_id="zhetysu", micro_district_id=cell_id, address="a")
        old = utcnow() - timedelta(days=400)
        submit_at(session, registry, settings, yard_id=yard_id, at=old, pick="worst")
        session.flush()
        layer = yard_layer(
            points(session),
            bbox=box_of(outline),
            scope=ADMIN,
            shapes=load_area_shapes(session),
            min_audited=1,
            limit=0,
        )
        cluster = cluster_of(layer, cell_id)
        assert cluster is not None
        p = cluster["properties"]
        assert (p["yard_count"], p["yards_audited"]) == (1, 0)
        assert p["mean_risk"] is None and p["band"] is None and p["enough_data"] is False

    def test_under_the_limit_the_yards(self, session: Session, cell: dict[str, Any]) -> None:
        box = box_of(cell["outline"])
        shapes = load_area_shapes(session)
        over = yard_layer(
            points(session), bbox=box, scope=ADMIN, shapes=shapes, min_audited=3, limit=1
        )
        layer = yard_layer(
            points(session),
            bbox=box,
            scope=ADMIN,
            shapes=shapes,
            min_audited=3,
            limit=over.yards_in_box,
        )
        assert layer.mode == "yards" and layer.yards_in_box == over.yards_in_box
        assert set(cell["yards"]) <= {f["id"] for f in layer.features}
        assert all(f["properties"]["url"] == f"/yards/{f['id']}" for f in layer.features)

    def test_scope_limits_the_clusters(self, session: Session, cell: dict[str, Any]) -> None:
        box = box_of(cell["outline"])
        shapes = load_area_shapes(session)
        other = Scope(role=UserRole.inspector, district_ids=frozenset({"almaly"}))
        layer = yard_layer(
            points(session), bbox=box, scope=other, shapes=shapes, min_audited=3, limit=0
        )
        assert cluster_of(layer, cell["id"]) is None
        assert {f["properties"]["district_id"] for f in layer.features} <= {"almaly"}
        linked = Scope(role=UserRole.inspector, micro_district_ids=frozenset({cell["id"]}))
        mine = yard_layer(
            points(session), bbox=box, scope=linked, shapes=shapes, min_audited=3, limit=0
        )
        assert [f["properties"]["area_id"] for f in mine.features] == [cell["id"]]
        assert mine.yards_in_box == 3
        cooperative = Scope(role=UserRole.cooperative, yard_ids=frozenset({cell["yards"][0]}))
        one = yard_layer(
            points(session), bbox=box, scope=cooperative, shapes=shapes, min_audited=3, limit=0
        )
        assert one.yards_in_box == 1

    def test_the_same_yards_as_the_sql_filter(self, session: Session, cell: dict[str, Any]) -> None:
        """Under the limit the kept points answer exactly what ``yards_in_bbox`` reads, for
        every kind of scope."""
        box = BBox(76.6, 43.05, 77.2, 43.45)  # the whole city
        shapes = load_area_shapes(session)
        kept = points(session)
        for scope in (
            ADMIN,
            Scope(role=UserRole.inspector, district_ids=frozenset({"turksib"})),
            Scope(role=UserRole.inspector, micro_district_ids=frozenset({cell["id"]})),
            Scope(role=UserRole.cooperative, yard_ids=frozenset(cell["yards"][:2])),
            Scope(role=UserRole.inspector),
        ):
            expected, truncated = yards_in_bbox(session, bbox=box, scope=scope, limit=100_000)
            layer = yard_layer(
                kept, bbox=box, scope=scope, shapes=shapes, min_audited=3, limit=100_000
            )
            assert not truncated and layer.mode == "yards"
            assert layer.features == expected


class TestKeptYardPoints:
    def test_follows_writes(
        self, session: Session, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        """A submission's yard (new or known) is in the next snapshot; an unchanged table
        gives the same snapshot back."""
        kept = KeptYardPoints()
        first = kept.current(session)
        assert kept.current(session) is first
        cell_id, _outline = own_cell(session, "alatau")
        yard_id = new_yard(session, district_id="alatau", micro_district_id=cell_id, address="k")
        risk = submit_at(session, registry, settings, yard_id=yard_id, at=utcnow(), pick="worst")
        session.flush()
        second = kept.current(session)
        assert second is not first and yard_id not in set(first.ids.tolist())
        n = second.ids.tolist().index(yard_id)
        assert second.risk[n] == pytest.approx(risk)
        assert second.micro_names[second.micro[n]] == cell_id
        later = utcnow() + timedelta(seconds=1)
        best = submit_at(session, registry, settings, yard_id=yard_id, at=later, pick="best")
        session.flush()
        third = kept.current(session)
        assert len(third.ids) == len(second.ids)
        assert third.risk[third.ids.tolist().index(yard_id)] != second.risk[n]
        assert best is not None
        # A fresh read of everything agrees with the kept, updated one.
        full = KeptYardPoints().current(session)
        assert sorted(full.ids.tolist()) == sorted(third.ids.tolist())
        m = full.ids.tolist().index(yard_id)
        assert full.risk[m] == third.risk[third.ids.tolist().index(yard_id)]


class TestMapYardsApi:
    def test_clusters_when_too_many(
        self,
        client: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        inspector: TestClient,
        admin: TestClient,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        with db.session() as session:
            cell_id, outline = own_cell(session, "auezov")
        for _ in range(2):
            body = submission_body(
                registry.current, location=new_location("auezov", micro_district=cell_id)
            )
            assert client.post("/api/v1/submissions", json=body).status_code == 201
        west, south, east, north = outline.bounds
        box = f"{west},{south},{east},{north}"
        plain = admin.get("/api/v1/map/yards", params={"bbox": box}).json()
        assert plain["mode"] == "yards" and plain["truncated"] is False
        assert plain["yards_in_box"] == len(plain["features"]) >= 2

        monkeypatch.setattr(map_views, "MAX_MARKERS", 1)
        response = admin.get("/api/v1/map/yards", params={"bbox": box})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/geo+json")
        body = response.json()
        assert body["mode"] == "clusters" and body["limit"] == 1
        assert body["yards_in_box"] == plain["yards_in_box"]
        cluster = next(f for f in body["features"] if f["properties"]["area_id"] == cell_id)
        assert cluster["properties"]["yard_count"] == 2
        assert cluster["properties"]["yards_audited"] == 2
        assert cluster["properties"]["mean_risk"] is not None
        # The Almaly inspector sees no cluster of Auezov's yards, as no yard of them.
        theirs = inspector.get("/api/v1/map/yards", params={"bbox": box}).json()
        assert cell_id not in {f["properties"].get("area_id") for f in theirs["features"]}
        assert {f["properties"]["district_id"] for f in theirs["features"]} <= {"almaly"}
