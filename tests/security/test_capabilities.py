"""Submission ids are capabilities, and a yard's public name is trusted data (issue 10, items
1 and 8): anonymous visitors and staff of other areas walk every yard and every public page,
API, export and PDF and find no stored submission id and no string an anonymous sender typed;
the holder of an id still reads their result; ids that are not version-4 UUIDs are refused."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.checklists.loader import ChecklistRegistry
from tests.security.capability_world import (
    HOME,
    PLANTED,
    PLANTED_ADDRESS,
    World,
    build_world,
    id_forms,
    pdf_text,
    readable,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, registry: ChecklistRegistry) -> Iterator[World]:
    yield from build_world(Path(tmp_path_factory.mktemp("capabilities")), registry)


def public_urls(world: World) -> list[str]:
    """Every page and API anyone may read, for every yard of the database."""
    urls = [
        "/",
        "/yard/find",
        # Parts of the typed address find its yards, which show their public names (the page
        # repeats the visitor's own query, so the parts never hold the whole or "ZQXJ").
        "/yard/find?q=" + PLANTED_ADDRESS.split()[0],
        "/yard/find?q=улица 13",
        "/checklist",
        "/offline",
        "/sw.js",
        "/manifest.webmanifest",
        "/openapi.json",
        "/api/v1/checklist",
    ]
    for yard in world.yards():
        urls += [
            f"/yards/{yard.id}",
            f"/api/v1/yards/{yard.id}",
            f"/api/v1/yards?near={yard.lat},{yard.lon}",
            f"/yard/find?lat={yard.lat}&lon={yard.lon}",
            f"/checklist?yard_id={yard.id}",
        ]
    return urls


def staff_urls(world: World) -> list[str]:
    """The inspectors' pages, APIs, exports and PDFs, and every yard's PDF."""
    micro = sorted({y.micro_district_id for y in world.yards() if y.micro_district_id})
    urls = [
        "/inspector",
        f"/inspector/districts/{HOME}/monthly",
        f"/inspector/reports/districts/{HOME}.pdf",
        "/api/v1/micro-districts.geojson",
        "/api/v1/districts",
        "/api/v1/exports/areas.csv",
        "/api/v1/exports/yards.geojson",
        f"/api/v1/districts/{HOME}/monthly",
        "/api/v1/map/yards?bbox=76.80,43.15,77.05,43.35",
    ]
    for m in micro:
        urls += [
            f"/inspector/areas/{m}",
            f"/api/v1/micro-districts/{m}",
            f"/inspector/reports/micro-districts/{m}.pdf",
        ]
    urls += [f"/yards/{y}/report.pdf" for y in world.yard_ids]
    return urls


def leaks(body: str, world: World, *, typed_too: bool) -> list[str]:
    lowered = body.lower()
    found = [form for form in id_forms(world.stored_ids()) if form in lowered]
    if typed_too:
        found += [text for text in PLANTED if text.lower() in lowered]
    return found


class TestNoIdsAnywhere:
    @pytest.mark.parametrize("who", ["anonymous", "other_inspector", "cooperative"])
    def test_walk_every_public_page_and_api(self, who: str, world: World) -> None:
        client: TestClient = getattr(world, who)
        assert len(world.stored_ids()) == 6  # every id the walk must not find
        problems = []
        for url in public_urls(world):
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            found = leaks(readable(response), world, typed_too=True)
            if found:
                problems.append((url, found))
        assert problems == []

    @pytest.mark.parametrize("who", ["admin", "inspector", "other_inspector", "cooperative"])
    def test_walk_staff_pages_exports_and_pdfs(self, who: str, world: World) -> None:
        """Staff lists, exports and PDFs are given to others: no id, and no typed address
        either (only the yard's own page shows staff the address, labelled)."""
        client: TestClient = getattr(world, who)
        problems = []
        pdfs = 0
        for url in staff_urls(world):
            response = client.get(url, follow_redirects=False)
            assert response.status_code < 500, (url, response.status_code)
            pdfs += response.headers.get("content-type", "") == "application/pdf"
            found = leaks(readable(response), world, typed_too=True)
            if found:
                problems.append((url, found))
        assert problems == []
        if who == "admin":  # the walk read real PDFs, not refusals
            assert pdfs == sum(url.endswith(".pdf") for url in staff_urls(world))

    def test_yard_history_is_dated_to_the_day_without_ids(self, world: World) -> None:
        detail = world.anonymous.get(f"/api/v1/yards/{world.yard_ids[0]}").json()
        assert len(detail["history"]) == 3
        for entry in detail["history"]:
            assert set(entry) == {"received_on", "role", "risk_index", "band"}
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["received_on"])
        assert {e["role"] for e in detail["history"]} == {"resident", "inspector"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", detail["last_checked_on"])
        assert "address" not in detail and "last_submission_at" not in detail
        # The page dates the history to the day as well: no time of day anywhere in it.
        page = world.anonymous.get(f"/yards/{world.yard_ids[0]}?lang=ru").text
        start = page.index('class="history"')
        history = page[start : page.index("</table>", start)]
        assert re.search(r"\d{2}\.\d{2}\.\d{4}", history)
        assert not re.search(r"\b\d{1,2}:\d{2}\b", history)


class TestTheHolder:
    def test_reads_the_result_page_api_and_pdf(self, world: World) -> None:
        holder = world.anonymous
        page = holder.get(f"/result/{world.holder_id}")
        assert page.status_code == 200
        # The holder's own page links its PDF by the id, and names the yard by its number:
        # the address the yard's first sender typed is someone else's words.
        assert f"/result/{world.holder_id}/report.pdf" in page.text
        assert not [t for t in PLANTED if t in page.text]
        api = holder.get(f"/api/v1/submissions/{world.holder_id}")
        assert api.status_code == 200 and api.json()["id"] == world.holder_id
        pdf = holder.get(f"/result/{world.holder_id}/report.pdf?lang=en")
        assert pdf.status_code == 200
        text = pdf_text(pdf.content)
        assert f"Yard no. {world.yard_ids[0]}" in text
        assert not [t for t in PLANTED if t in text]


NOT_V4 = [
    str(uuid.uuid1()),
    str(uuid.uuid5(uuid.NAMESPACE_DNS, "safeyard.kz")),
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
]


class TestOnlyVersion4Ids:
    @pytest.mark.parametrize("bad", NOT_V4)
    def test_api_refuses_with_422_naming_the_parameter(self, bad: str, world: World) -> None:
        response = world.anonymous.get(f"/api/v1/submissions/{bad}")
        assert response.status_code == 422, response.text
        assert [d["field"] for d in response.json()["details"]] == ["submission_id"]

    @pytest.mark.parametrize("bad", NOT_V4)
    @pytest.mark.parametrize(
        ("lang", "words"),
        [
            ("ru", "Ссылка повреждена: ключ результата в её конце неполный или изменён"),
            ("kk", "Сілтеме бүлінген: оның соңындағы нәтиже кілті толық емес"),
        ],
    )
    @pytest.mark.parametrize("page", ["/result/{}", "/result/{}/report.pdf"])
    def test_pages_refuse_with_a_422_page_in_the_language(
        self, bad: str, lang: str, words: str, page: str, world: World
    ) -> None:
        response = world.anonymous.get(page.format(bad) + f"?lang={lang}")
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert words in response.text

    def test_an_unknown_version_4_id_is_still_404(self, world: World) -> None:
        unknown = str(uuid.uuid4())
        assert world.anonymous.get(f"/api/v1/submissions/{unknown}").status_code == 404
        assert world.anonymous.get(f"/result/{unknown}").status_code == 404
