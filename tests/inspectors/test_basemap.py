"""The map's own base layer (GET /api/v1/map/base): district borders named in the page's
language, the named streets split by zoom, small enough gzip-compressed, cacheable by ETag;
and the yard dots' data for a yard with no current index."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from app.checklists.loader import ChecklistRegistry
from app.geo import basemap
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.factories import new_location, store_submission

URL = "/api/v1/map/base"
# The payloads the map downloads, gzip-compressed (measured 47 KB and 168 KB).
MAX_BASE_GZIP = 60_000
MAX_DETAIL_GZIP = 190_000


def features(response_json: dict, kind: str) -> list[dict]:
    return [f for f in response_json["features"] if f["properties"]["kind"] == kind]


class TestBaseLayer:
    @pytest.mark.parametrize(
        ("lang", "almaly"),
        [("ru", "Алмалинский район"), ("kk", "Алмалы ауданы"), ("en", "Almaly")],
    )
    def test_districts_named_in_the_language(
        self, client: TestClient, lang: str, almaly: str
    ) -> None:
        response = client.get(URL, params={"lang": lang})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/geo+json")
        body = response.json()
        districts = {f["id"]: f for f in features(body, "district")}
        assert len(districts) == 8
        assert districts["almaly"]["properties"]["name"] == almaly
        # The name's point lies inside its (simplified) district.
        for f in districts.values():
            lon, lat = f["properties"]["label_at"]
            assert (
                shape(f["geometry"])
                .buffer(0.001)
                .contains(shape({"type": "Point", "coordinates": [lon, lat]}))
            )
        assert body["attribution"] == "© OpenStreetMap contributors, ODbL"

    def test_major_streets_at_first_the_rest_on_detail(self, client: TestClient) -> None:
        base = client.get(URL).json()
        detail = client.get(URL, params={"detail": "true"}).json()
        major = {f["properties"]["name"] for f in features(base, "street")}
        minor = {f["properties"]["name"] for f in features(detail, "street")}
        assert "пр. Абая" in major or "проспект Абая" in major, sorted(major)[:20]
        assert len(major) > 200 and len(minor) > 1000
        assert not features(detail, "district")
        for f in features(base, "street")[:50]:
            assert f["geometry"]["type"] in ("LineString", "MultiLineString")
            assert f["properties"]["label_at"]

    def test_small_when_compressed(self, client: TestClient) -> None:
        for params, limit in (({}, MAX_BASE_GZIP), ({"detail": "true"}, MAX_DETAIL_GZIP)):
            headers = {"Accept-Encoding": "gzip"}
            with client.stream("GET", URL, params=params, headers=headers) as response:
                assert response.headers["content-encoding"] == "gzip"
                wire = sum(len(chunk) for chunk in response.iter_raw())
            assert wire < limit, (params, wire)

    def test_etag_and_not_modified(self, client: TestClient) -> None:
        first = client.get(URL, params={"lang": "kk"})
        etag = first.headers["etag"]
        assert "max-age" in first.headers["cache-control"]
        again = client.get(URL, params={"lang": "kk"}, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        # Another language names the districts otherwise: another entity.
        other = client.get(URL, params={"lang": "ru"})
        assert other.headers["etag"] != etag
        assert (
            client.get(URL, params={"lang": "ru"}, headers={"If-None-Match": etag}).status_code
            == 200
        )

    def test_unknown_language_is_refused(self, client: TestClient) -> None:
        response = client.get(URL, params={"lang": "xx"})
        assert response.status_code == 422
        assert "lang" in json.dumps(response.json())


class TestStreetFeatures:
    def test_merged_by_name_and_simplified(self) -> None:
        streets = basemap.street_features()
        names = [f["properties"]["name"] for f in streets["major"]]
        assert len(names) == len(set(names))
        vertices = sum(
            len(json.dumps(f["geometry"]["coordinates"]))
            for f in streets["major"] + streets["minor"]
        )
        source = (basemap.DEFAULT_NAMES_DIR / basemap.STREETS_FILE).stat().st_size
        assert vertices < source / 2


class TestYardDots:
    def test_a_yard_without_a_current_index_is_a_grey_dot(
        self,
        admin: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
    ) -> None:
        """A known yard whose checklists are all older than the window comes with a null
        ``risk_index`` (the map draws it grey, as an area without a figure)."""
        where = new_location("medeu", own_area=True)
        with db.write_session() as session:
            stored = store_submission(
                session,
                registry=registry,
                settings=settings,
                location=where,
                received_at=utcnow() - timedelta(days=400),
            )
        lat, lon = where["lat"], where["lon"]
        box = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
        features = admin.get("/api/v1/map/yards", params={"bbox": box}).json()["features"]
        dot = next(f for f in features if f["id"] == stored.submission.yard_id)
        assert dot["properties"]["risk_index"] is None
