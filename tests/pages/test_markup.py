"""Rules every residents' page keeps: no inline scripts or handlers (CSP), every field
labelled, headings in order, unique ids."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.pages.conftest import ANSWERS, Checked
from tests.pages.markup import Page, parse
from tests.pages.support import each_page_url, fill_from, get, pages_point, send

OPEN_THE_SPOT = ("https://2gis.kz/almaty?m=", "https://www.openstreetmap.org/?mlat=")
# Links a resident follows to send the yard's public page to a chat (nothing loads from them).
# The share box links the yard's public page by its absolute address (public_base_url).
SHARE_LINKS = (
    "https://t.me/share/url?url=",
    "https://wa.me/?text=",
    "http://127.0.0.1:8000/yards/",
)


def pages(web: TestClient, checked: Checked) -> Iterator[tuple[str, str]]:
    for url in each_page_url(checked.result_url, checked.yard_id):
        yield url, get(web, url).text
    yield "/checklist?lat=bad", get(web, "/checklist?lat=bad&lon=1").text
    yield "/yard/find?q=тимирязева", get(web, "/yard/find?q=тимирязева").text
    yield "/yards/0", get(web, "/yards/0").text
    point = pages_point()
    fields = fill_from(web, f"lat={point['lat']}&lon={point['lon']}")
    yield "POST /checklist (no answers)", send(web, fields, {}).text
    outside = {**fields, "lat": "51.1", "lon": "71.4"}
    yield "POST /checklist (outside)", send(web, outside, ANSWERS).text


@pytest.fixture
def rendered(web: TestClient, checked: Checked) -> list[tuple[str, Page]]:
    return [(url, parse(html)) for url, html in pages(web, checked)]


class TestEveryPage:
    def test_no_inline_scripts_or_event_handlers(self, rendered: list[tuple[str, Page]]) -> None:
        for url, page in rendered:
            assert page.inline_scripts == 0, url
            assert page.handlers == [], url

    def test_every_field_has_a_label(self, rendered: list[tuple[str, Page]]) -> None:
        for url, page in rendered:
            assert page.unlabelled() == [], url

    def test_headings_start_at_h1_and_skip_no_level(self, rendered: list[tuple[str, Page]]) -> None:
        for url, page in rendered:
            assert page.headings[:1] == [1], url
            assert page.headings.count(1) == 1, url
            for before, after in zip(page.headings, page.headings[1:], strict=False):
                assert after <= before + 1, (url, page.headings)

    def test_ids_are_unique(self, rendered: list[tuple[str, Page]]) -> None:
        for url, page in rendered:
            assert len(page.ids) == len(set(page.ids)), url

    def test_no_third_party_requests(self, web: TestClient, checked: Checked) -> None:
        for url, html in pages(web, checked):
            for attr in ("src=", "href="):
                for value in html.split(attr)[1:]:
                    target = value[1:].split(value[0], 1)[0]
                    if target.startswith(("http://", "https://", "//")):
                        # Only links go out, never a request: the OpenStreetMap credit and a
                        # yard's "open in 2GIS / OpenStreetMap".
                        assert attr == "href=", (url, target)
                        assert target == "https://www.openstreetmap.org/copyright" or (
                            target.startswith(OPEN_THE_SPOT + SHARE_LINKS)
                        ), (url, target)
