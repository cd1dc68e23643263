"""Areas and yards carry names a person recognises (OpenStreetMap place names, data/geo/names):
the map's GeoJSON, areas.csv, the yard page, the inspectors' area page and the PDFs."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.areas.trend import month_of
from app.channels.reports.lang import language
from app.districts.models import District, MicroDistrict
from app.geo.names import osm_spans
from app.platform.db import Database, utcnow
from app.yards import naming
from app.yards.models import Yard
from tests.reports.conftest import DISTRICT, ReportYard, read_pdf


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _names(db: Database, report_yard: ReportYard) -> tuple[str, Yard]:
    with db.session() as session:
        micro = session.get(MicroDistrict, report_yard.micro_district_id)
        yard = session.get(Yard, report_yard.yard_id)
        assert micro is not None and yard is not None
        # Every inner Zhetysu cell has a label in the data.
        assert micro.name and micro.name != micro.id
        session.expunge(yard)
        return micro.name, yard


class TestAreaNames:
    def test_geojson_name_is_the_human_name_and_id_the_code(
        self, admin: TestClient, db: Database, report_yard: ReportYard
    ) -> None:
        name, _yard = _names(db, report_yard)
        body = admin.get(f"/api/v1/micro-districts.geojson?district={DISTRICT}&lang=ru").json()
        feature = next(f for f in body["features"] if f["id"] == report_yard.micro_district_id)
        assert feature["properties"]["name"] == name
        # In the language asked for: Kazakh generic words and district, OSM names as mapped.
        kk = admin.get(f"/api/v1/micro-districts.geojson?district={DISTRICT}&lang=kk").json()
        feature = next(f for f in kk["features"] if f["id"] == report_yard.micro_district_id)
        assert feature["properties"]["name"].endswith("Жетісу ауданы")

    def test_a_cell_the_data_names_nothing_near_is_its_district_and_code(
        self, admin: TestClient, db: Database
    ) -> None:
        with db.session() as session:
            micro = session.exec(
                select(MicroDistrict).where(col(MicroDistrict.name).endswith(MicroDistrict.id))
            ).first()
            assert micro is not None
            district = session.get(District, micro.district_id)
            assert district is not None
            expected = f"{district.name_kk} · {micro.id}"
        body = admin.get(f"/api/v1/micro-districts.geojson?district={district.id}&lang=kk").json()
        feature = next(f for f in body["features"] if f["id"] == micro.id)
        assert feature["properties"]["name"] == expected

    def test_areas_csv_has_a_name_column(
        self, admin: TestClient, db: Database, report_yard: ReportYard
    ) -> None:
        name, _yard = _names(db, report_yard)
        text = admin.get("/api/v1/exports/areas.csv?lang=ru").text
        rows = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
        row = next(r for r in rows if r["id"] == report_yard.micro_district_id)
        assert row["name"] == name
        assert all(r["name"] for r in rows)  # else the district and the code

    def test_inspectors_area_page_is_titled_by_name(
        self, admin: TestClient, db: Database, report_yard: ReportYard
    ) -> None:
        name, _yard = _names(db, report_yard)
        html = admin.get(f"/inspector/areas/{report_yard.micro_district_id}?lang=ru").text
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert name in title and report_yard.micro_district_id in title

    def test_district_pdf_names_its_areas(
        self, district_inspector: TestClient, db: Database, report_yard: ReportYard
    ) -> None:
        name, _yard = _names(db, report_yard)
        month = month_of(utcnow())
        response = district_inspector.get(
            f"/inspector/reports/districts/{DISTRICT}.pdf?month={month}&lang=ru"
        )
        assert response.status_code == 200
        text = read_pdf(response.content).text
        # The district's own name is not repeated after each of its areas.
        with db.session() as session:
            district = session.get(District, DISTRICT)
            assert district is not None and name.endswith(f" · {district.name_ru}")
        short = name.removesuffix(f" · {district.name_ru}")
        assert _one_line(short) in text and _one_line(name) not in text


class TestYardPlace:
    def test_yard_page_has_street_area_and_map_links(
        self, admin: TestClient, db: Database, report_yard: ReportYard
    ) -> None:
        name, yard = _names(db, report_yard)
        with language("kk"):
            spot = naming.yard_place(lat=yard.lat, lon=yard.lon)
        assert spot.near and spot.name and "маңындағы аула" in spot.near
        html = admin.get(f"/yards/{report_yard.yard_id}?lang=kk").text
        assert f'<span lang="ru">{spot.name}</span>' in html
        # The area's Kazakh name, its OpenStreetMap names (Russian as mapped) marked.
        with db.session() as session:
            micro = session.get(MicroDistrict, report_yard.micro_district_id)
            district = session.get(District, DISTRICT)
            assert micro is not None and micro.name_kk and district is not None
        spans = osm_spans(micro.name_kk, district=district.name_kk)
        assert any(osm for _, osm in spans) and name != micro.name_kk
        for text, osm in spans:
            assert (f'<span lang="ru">{text}</span>' if osm else text) in html
        assert f'href="{spot.twogis_url}"' in html and "2gis.kz/almaty?m=" in spot.twogis_url
        assert f'href="{spot.osm_url}"'.replace("&", "&amp;") in html

    def test_yard_pdf_has_the_place_and_coordinates(
        self, admin: TestClient, db: Database, report_yard: ReportYard
    ) -> None:
        name, yard = _names(db, report_yard)
        with language("ru"):
            spot = naming.yard_place(lat=yard.lat, lon=yard.lon)
        assert spot.near and spot.near.startswith("двор у ")
        pdf = read_pdf(admin.get(f"/yards/{report_yard.yard_id}/report.pdf?lang=ru").content)
        assert _one_line(spot.near) in pdf.text
        assert f"{yard.lat:.5f}, {yard.lon:.5f}" in pdf.text
        assert _one_line(name) in pdf.text
        assert "OpenStreetMap" in pdf.text and "2GIS" in pdf.text

    def test_yard_api_gives_the_place_line_and_links(
        self, admin: TestClient, db: Database, report_yard: ReportYard
    ) -> None:
        _name, yard = _names(db, report_yard)
        with language("en"):
            spot = naming.yard_place(lat=yard.lat, lon=yard.lon)
        body = admin.get(f"/api/v1/yards/{report_yard.yard_id}?lang=en").json()
        assert spot.near and body["near"] == spot.near
        assert body["map_links"] == {"2gis": spot.twogis_url, "openstreetmap": spot.osm_url}
