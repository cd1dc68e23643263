"""Open311 GeoReport v2 (``/open311/v2``): the shapes of the spec's sample responses in JSON
and XML, the filters, rounding, pages, errors, and nothing private (exact key sets)."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from tests.findings.open311_support import (
    BODY_NAMES,
    PHOTO,
    REFERENCE,
    SECRET_NOTE,
    TYPED_ADDRESS,
    Story,
    build_story,
)
from tests.findings.support import LIGHT

V2 = "/open311/v2"
# The spec's sample responses, field for field.
SERVICE_KEYS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
REQUEST_KEYS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture(scope="module")
def story(db: Database, registry: ChecklistRegistry, settings: Settings) -> Story:
    return build_story(db, registry, settings)


def ids_param(*ids: int) -> str:
    return ",".join(str(i) for i in ids)


def xml_list(response: Response, root: str, item: str) -> list[dict[str, str]]:
    """The spec's XML list read back as FixMyStreet's client reads it."""
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    tree = ET.fromstring(response.content)
    assert tree.tag == root
    assert all(child.tag == item for child in tree)
    return [{field.tag: field.text or "" for field in child} for child in tree]


def errors_of(response: Response, fmt: str) -> list[dict[str, Any]]:
    if fmt == "json":
        found = response.json()
        assert isinstance(found, list)
        for error in found:
            assert set(error) == {"code", "description"}
        return list(found)
    return [
        {"code": int(e["code"]), "description": e["description"]}
        for e in xml_list(response, "errors", "error")
    ]


class TestServices:
    def test_json_is_the_specs_list_of_the_current_scored_items(
        self, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        response = client.get(f"{V2}/services.json")
        assert response.status_code == 200
        services = response.json()
        scored = [i for i in registry.current.checklist.items() if i.scored]
        assert [s["service_code"] for s in services] == [i.id for i in scored]
        for service in services:
            assert set(service) == SERVICE_KEYS
            assert service["metadata"] is False and service["type"] == "realtime"
        light = next(s for s in services if s["service_code"] == LIGHT)
        item = registry.current.items_by_id[LIGHT]
        assert light["service_name"] == item.question.ru
        assert item.remedy is not None and light["description"] == item.remedy.ru
        assert light["group"] == "Освещение"
        assert light["keywords"]

    def test_xml_has_the_same_services(self, client: TestClient) -> None:
        as_json = client.get(f"{V2}/services.json").json()
        services = xml_list(client.get(f"{V2}/services.xml"), "services", "service")
        assert [set(s) for s in services] == [SERVICE_KEYS] * len(as_json)
        assert [s["service_code"] for s in services] == [s["service_code"] for s in as_json]
        assert {s["metadata"] for s in services} == {"false"}

    @pytest.mark.parametrize(
        ("query", "headers", "group"),
        [
            ("?lang=kk", {}, "Жарықтандыру"),
            ("?locale=en_US", {}, "Lighting"),
            ("?locale=kz", {}, "Жарықтандыру"),
            ("", {"Accept-Language": "en-GB,en;q=0.8"}, "Lighting"),
            ("", {"Accept-Language": "kk-KZ"}, "Жарықтандыру"),
            ("?lang=ru", {"Accept-Language": "en"}, "Освещение"),
        ],
    )
    def test_in_the_language_asked(
        self, client: TestClient, query: str, headers: dict[str, str], group: str
    ) -> None:
        response = client.get(f"{V2}/services.json{query}", headers=headers)
        light = next(s for s in response.json() if s["service_code"] == LIGHT)
        assert light["group"] == group
        assert (
            response.headers["content-language"]
            == {
                "Жарықтандыру": "kk",
                "Lighting": "en",
                "Освещение": "ru",
            }[group]
        )


class TestRequests:
    def get(self, client: TestClient, fmt: str = "json", **params: Any) -> Response:
        return client.get(f"{V2}/requests.{fmt}", params=params)

    def test_confirmed_findings_with_exactly_the_specs_keys(
        self, client: TestClient, story: Story
    ) -> None:
        response = self.get(client, service_request_id=ids_param(*story.public, *story.hidden))
        assert response.status_code == 200
        found = {r["service_request_id"]: r for r in response.json()}
        assert set(found) == set(story.public)  # never unconfirmed, withdrawn or demo
        for request in found.values():
            assert set(request) == REQUEST_KEYS
            assert request["service_code"] == LIGHT
            assert request["zipcode"] == "" and request["media_url"] == ""
            assert request["agency_responsible"] == BODY_NAMES["ru"]
        fixed, verified = found[story.fixed], found[story.verified]
        assert (fixed["status"], verified["status"]) == ("open", "closed")
        assert fixed["status_notes"] == (
            "Ответственный орган сообщает об исправлении; ждёт проверки."
        )
        assert verified["status_notes"].startswith("Исправлено")
        assert fixed["expected_datetime"] is not None

    def test_newest_first_with_w3c_dates(self, client: TestClient, story: Story) -> None:
        found = self.get(client, service_request_id=ids_param(*story.public)).json()
        assert [r["service_request_id"] for r in found] == [story.verified, story.fixed]
        for request in found:
            requested = datetime.fromisoformat(request["requested_datetime"])
            updated = datetime.fromisoformat(request["updated_datetime"])
            assert requested.utcoffset() == timedelta(hours=5)
            assert updated >= requested
            # To the hour: the minute of a check would say when a person was in the yard.
            assert {requested.minute, requested.second, updated.minute, updated.second} == {0}
        assert datetime.fromisoformat(found[1]["expected_datetime"]) > datetime.fromisoformat(
            found[1]["requested_datetime"]
        )

    def test_points_rounded_to_about_ten_metres(self, client: TestClient, story: Story) -> None:
        for request in self.get(client, service_request_id=ids_param(*story.public)).json():
            lat, lon = story.points[request["service_request_id"]]
            assert request["lat"] == round(lat, 4) and request["long"] == round(lon, 4)
            assert abs(request["lat"] - lat) * 110_574 <= 6
            assert len(str(request["lat"]).split(".")[1]) <= 4

    def test_nothing_private_in_either_format(self, client: TestClient, story: Story) -> None:
        for fmt in ("json", "xml"):
            text = self.get(client, fmt, service_request_id=ids_param(*story.public)).text
            for secret in (SECRET_NOTE, REFERENCE, TYPED_ADDRESS, PHOTO, "@", story.body_id):
                assert secret not in text

    def test_address_is_the_yards_public_label_and_area(
        self, client: TestClient, story: Story
    ) -> None:
        (request,) = self.get(client, service_request_id=story.fixed).json()
        assert request["address"].startswith("Двор №")
        assert "Алмалин" in request["address"]  # the area's name ends with its district

    def test_xml_carries_the_same_requests(self, client: TestClient, story: Story) -> None:
        query = {"service_request_id": ids_param(*story.public)}
        as_json = self.get(client, **query).json()
        requests = xml_list(self.get(client, "xml", **query), "service_requests", "request")
        assert [set(r) for r in requests] == [REQUEST_KEYS, REQUEST_KEYS]
        for from_xml, from_json in zip(requests, as_json, strict=True):
            assert int(from_xml["service_request_id"]) == from_json["service_request_id"]
            assert float(from_xml["lat"]) == from_json["lat"]
            assert from_xml["status_notes"] == from_json["status_notes"]
            assert from_xml["expected_datetime"] == (from_json["expected_datetime"] or "")

    @pytest.mark.parametrize(
        ("lang", "agency", "notes"),
        [
            ("kk", BODY_NAMES["kk"], "Жауапты орган түзетілгенін хабарлады; тексеруді күтуде."),
            ("en", BODY_NAMES["en"], "The responsible body reports it fixed; awaiting a check."),
        ],
    )
    def test_names_in_kazakh_and_english(
        self, client: TestClient, story: Story, lang: str, agency: str, notes: str
    ) -> None:
        (request,) = self.get(client, service_request_id=story.fixed, lang=lang).json()
        assert request["agency_responsible"] == agency and request["status_notes"] == notes
        assert request["address"].startswith({"kk": "№", "en": "Yard no."}[lang])

    def test_status_code_dates_and_place_filter(self, client: TestClient, story: Story) -> None:
        lat, lon = story.points[story.verified]
        near = {"lat": lat, "long": lon, "radius": 5}
        assert self.ids(client, **near) == [story.verified]
        assert self.ids(client, **near, status="closed") == [story.verified]
        assert self.ids(client, **near, status="open") == []
        assert self.ids(client, **near, status="open,closed", service_code=LIGHT) == [
            story.verified
        ]
        assert self.ids(client, **near, service_code="access.entrance_doors") == []
        tomorrow = (datetime.now().astimezone() + timedelta(days=1)).isoformat()
        assert self.ids(client, **near, start_date=tomorrow) == []
        assert self.ids(client, **near, end_date="2026-01-01T00:00:00Z") == []
        fixed_lat, fixed_lon = story.points[story.fixed]
        assert story.fixed not in self.ids(client, **near)
        assert self.ids(client, lat=fixed_lat, long=fixed_lon, radius=5) == [story.fixed]

    @pytest.mark.parametrize(
        ("north_m", "east_m", "inside"), [(0, 4, True), (0, 6, False), (3, 3, True), (-5, 3, False)]
    )
    def test_radius_in_metres(
        self, client: TestClient, story: Story, north_m: float, east_m: float, inside: bool
    ) -> None:
        lat, lon = story.points[story.verified]
        centre_lat = lat + north_m / 110_574
        centre_lon = lon + east_m / (111_320 * math.cos(math.radians(lat)))
        found = self.ids(client, lat=centre_lat, long=centre_lon, radius=5)
        assert (story.verified in found) is inside

    def ids(self, client: TestClient, **params: Any) -> list[int]:
        response = self.get(client, **params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    def test_pages_follow_the_link_header(self, client: TestClient, story: Story) -> None:
        wanted = ids_param(*story.public, *story.hidden)
        response = self.get(client, service_request_id=wanted, page_size=1)
        seen = [r["service_request_id"] for r in response.json()]
        assert 'rel="next"' in response.headers["link"]
        following = response.headers["link"].split(">")[0].lstrip("<")
        second = client.get(following)
        assert "link" not in second.headers
        seen += [r["service_request_id"] for r in second.json()]
        assert seen == [story.verified, story.fixed]
        assert self.get(client, service_request_id=wanted, page_size=1, page=3).json() == []

    def test_one_request_is_a_list_of_one(self, client: TestClient, story: Story) -> None:
        response = client.get(f"{V2}/requests/{story.fixed}.json")
        assert response.status_code == 200
        (request,) = response.json()
        assert set(request) == REQUEST_KEYS and request["service_request_id"] == story.fixed
        (from_xml,) = xml_list(
            client.get(f"{V2}/requests/{story.fixed}.xml"), "service_requests", "request"
        )
        assert set(from_xml) == REQUEST_KEYS

    @pytest.mark.parametrize("fmt", ["json", "xml"])
    def test_a_finding_not_public_is_404(self, client: TestClient, story: Story, fmt: str) -> None:
        for hidden in [*story.hidden, 2**31, 0, "abc", "1e3"]:
            response = client.get(f"{V2}/requests/{hidden}.{fmt}")
            assert response.status_code == 404
            assert [e["code"] for e in errors_of(response, fmt)] == [404]

    def test_public_open_data_headers(self, client: TestClient, story: Story) -> None:
        for path in ("requests.json", "services.xml", f"requests/{story.fixed}.json"):
            response = client.get(f"{V2}/{path}", headers={"Origin": "https://city.example"})
            assert response.headers["access-control-allow-origin"] == "*"
            assert response.headers["cache-control"] == "public, max-age=60"
        error = client.get(f"{V2}/requests.json?status=maybe")
        assert error.headers["access-control-allow-origin"] == "*"
        assert error.headers["cache-control"] == "no-store"


class TestErrors:
    @pytest.mark.parametrize("fmt", ["json", "xml"])
    @pytest.mark.parametrize(
        ("query", "names"),
        [
            ("start_date=yesterday", "start_date"),
            ("end_date=2026-13-01T00:00:00Z", "end_date"),
            ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "90 days"),
            ("start_date=2026-06-01&end_date=2026-05-01", "after end_date"),
            ("start_date=9999-12-30T00:00:00Z", "out of range"),
            ("status=pending", "status"),
            ("service_code=no.such_item", "service_code"),
            ("service_request_id=1,x", "service_request_id"),
            ("page=0", "page"),
            ("page_size=1001", "page_size"),
            ("lat=43.2", "lat and long"),
            ("radius=100", "radius"),
            ("lat=43.2&long=76.9&radius=-1", "radius"),
            ("lat=nan&long=76.9", "lat"),
            ("lat=91&long=76.9", "lat"),
            ("lang=fr", "lang"),
            ("page=1&page=2", "once"),
        ],
    )
    def test_bad_filters_are_400_in_the_specs_format(
        self, client: TestClient, fmt: str, query: str, names: str
    ) -> None:
        response = client.get(f"{V2}/requests.{fmt}?{query}")
        assert response.status_code == 400, response.text
        (error,) = errors_of(response, fmt)
        assert error["code"] == 400 and names in error["description"]

    def test_unknown_paths_and_formats_are_404(self, client: TestClient) -> None:
        for path, fmt in [
            ("services.html", "xml"),
            ("services/lighting.at_night.xml", "xml"),
            ("nothing.json", "json"),
            ("", "xml"),
        ]:
            response = client.get(f"{V2}/{path}")
            assert response.status_code == 404
            assert errors_of(response, fmt)[0]["code"] == 404

    @pytest.mark.parametrize("fmt", ["json", "xml"])
    def test_posting_a_request_is_refused_with_a_link_to_the_checklist(
        self, client: TestClient, fmt: str
    ) -> None:
        response = client.post(
            f"{V2}/requests.{fmt}", data={"service_code": LIGHT, "lat": "43.2", "long": "76.9"}
        )
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, OPTIONS"
        (error,) = errors_of(response, fmt)
        assert error["code"] == 405 and "/checklist" in error["description"]
        deleted = client.delete(f"{V2}/requests/1.json")
        assert deleted.status_code == 405 and errors_of(deleted, "json")[0]["code"] == 405

    def test_an_unencoded_plus_in_a_date_still_reads(self, client: TestClient) -> None:
        # "+05:00" typed into a URL without encoding arrives as " 05:00".
        response = client.get(f"{V2}/requests.json?start_date=2026-12-01T00:00:00+05:00")
        assert response.status_code == 200


class TestDiscovery:
    def test_json_and_xml(self, client: TestClient, settings: Settings) -> None:
        found = client.get(f"{V2}/discovery.json").json()
        assert set(found) == {"changeset", "contact", "key_service", "max_requests", "endpoints"}
        (endpoint,) = found["endpoints"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == f"{settings.public_base_url}/open311/v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
        tree = ET.fromstring(client.get(f"{V2}/discovery.xml").content)
        assert tree.tag == "discovery"
        formats = tree.findall("endpoints/endpoint/formats/format")
        assert [f.text for f in formats] == ["text/xml", "application/json"]
        assert json.loads(json.dumps(found)) == found
