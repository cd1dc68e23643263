"""A yard's public name comes from staff or trusted data, never from an anonymous sender
(issue 10, item 8): the address its first sender typed shows only to staff, labelled; admins
and inspectors in scope name the yard with a plain form; bad names are a 422 that stores
nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.checklists.loader import ChecklistRegistry
from app.districts.models import District, MicroDistrict
from app.districts.naming import area_name
from app.yards.models import Yard
from tests.security.capability_world import (
    HOME,
    PLANTED_ADDRESS,
    World,
    build_world,
    pdf_text,
)

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
TYPED_LABEL = "Address typed by a resident (not checked)"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, registry: ChecklistRegistry) -> Iterator[World]:
    yield from build_world(Path(tmp_path_factory.mktemp("yard-names")), registry)


def stored_name(world: World, yard_id: int) -> str | None:
    with world.db.session() as session:
        yard = session.get(Yard, yard_id)
        assert yard is not None
        return yard.public_name


def name_yard(
    client: TestClient, yard_id: int, name: str, *, clear: bool = False, lang: str = "en"
) -> httpx.Response:
    """Send the name as the yard page's form does (its CSRF token included)."""
    page = client.get(f"/yards/{yard_id}")
    found = TOKEN.search(page.text)
    assert found, "the page has no naming form"
    data = {"csrf_token": found.group(1), "public_name": name}
    if clear:
        data["clear"] = "1"
    return client.post(f"/yards/{yard_id}/name?lang={lang}", data=data, follow_redirects=False)


class TestTypedAddress:
    def test_never_public_shown_to_staff_labelled(self, world: World) -> None:
        yard_id = world.yard_ids[2]
        for client in (world.anonymous, world.cooperative, world.other_inspector):
            page = client.get(f"/yards/{yard_id}?lang=en").text
            assert PLANTED_ADDRESS not in page and TYPED_LABEL not in page
            assert 'action="/yards/' not in page  # no naming form either
            api = client.get(f"/api/v1/yards/{yard_id}?lang=en").json()
            assert api["name"].startswith("Yard no.")
        for client in (world.admin, world.inspector):
            page = client.get(f"/yards/{yard_id}?lang=en").text
            assert TYPED_LABEL in page and PLANTED_ADDRESS in page
            assert f'action="/yards/{yard_id}/name"' in page

    def test_the_untrusted_label_is_number_and_area_name(self, world: World) -> None:
        # Issue 12: the public label is the yard's number and its area's human name (which
        # ends with the district), all from trusted data, never the typed address.
        yard = next(y for y in world.yards() if y.id == world.yard_ids[2])
        with world.db.session() as session:
            district = session.get(District, yard.district_id)
            area = session.get(MicroDistrict, yard.micro_district_id)
            assert district is not None and area is not None
        body = world.anonymous.get(f"/api/v1/yards/{yard.id}?lang=en").json()
        assert body["name"] == f"Yard no. {yard.id}, {area_name(area, 'en')}"
        assert body["name"].endswith(district.name_en)
        near = world.anonymous.get(f"/api/v1/yards?near={yard.lat},{yard.lon}&lang=kk").json()
        assert near[0]["name"] == f"№ {yard.id} аула, {area_name(area, 'kk')}"
        assert near[0]["name"].endswith(district.name_kk)
        for name in (body["name"], near[0]["name"]):
            assert PLANTED_ADDRESS not in name and TYPED_LABEL not in name

    def test_the_search_never_matches_the_typed_address(self, world: World) -> None:
        # Issue 12: the find page searches map names and staff-given names only; matching a
        # typed address would let anyone probe what an anonymous sender typed.
        page = world.anonymous.get("/yard/find?q=улица 13").text
        for yard_id in world.yard_ids:
            assert f'href="/yards/{yard_id}"' not in page
        assert PLANTED_ADDRESS not in page


class TestNaming:
    def test_admin_names_a_yard_everyone_sees_it(self, world: World) -> None:
        yard_id = world.yard_ids[0]
        response = name_yard(world.admin, yard_id, "  Двор  у школы № 12 ")
        assert response.status_code == 303
        assert response.headers["location"] == f"/yards/{yard_id}"
        assert stored_name(world, yard_id) == "Двор у школы № 12"
        page = world.anonymous.get(f"/yards/{yard_id}").text
        assert "<h1>Двор у школы № 12</h1>" in page
        api = world.anonymous.get(f"/api/v1/yards/{yard_id}").json()
        assert api["name"].startswith("Двор у школы № 12, ")
        found = world.anonymous.get("/yard/find?q=у школы").text
        assert f'href="/yards/{yard_id}"' in found
        pdf = world.admin.get(f"/yards/{yard_id}/report.pdf?lang=en")
        assert pdf.status_code == 200
        assert f"Двор у школы № 12 (no. {yard_id})" in pdf_text(pdf.content)
        holder = world.anonymous.get(f"/result/{world.holder_id}/report.pdf?lang=ru")
        assert "Двор у школы № 12" in pdf_text(holder.content)

    def test_an_inspector_in_scope_names_and_clears(self, world: World) -> None:
        yard_id = world.yard_ids[1]
        assert name_yard(world.inspector, yard_id, "Абая 10–14").status_code == 303
        assert stored_name(world, yard_id) == "Абая 10–14"
        assert name_yard(world.inspector, yard_id, "", clear=True).status_code == 303
        assert stored_name(world, yard_id) is None
        assert f"Yard no. {yard_id}" in world.anonymous.get(f"/yards/{yard_id}?lang=en").text

    def test_out_of_scope_inspector_gets_403_naming_the_area(self, world: World) -> None:
        yard = next(y for y in world.yards() if y.id == world.yard_ids[2])
        token = world.other_inspector.headers["X-CSRF-Token"]
        response = world.other_inspector.post(
            f"/yards/{yard.id}/name?lang=en",
            data={"csrf_token": token, "public_name": "Мой двор"},
        )
        assert response.status_code == 403
        with world.db.session() as session:
            district = session.get(District, HOME)
            assert district is not None
        assert district.name_en in response.text and str(yard.micro_district_id) in response.text
        assert "outside the areas your account covers" in response.text
        assert stored_name(world, yard.id) is None  # type: ignore[arg-type]

    def test_cooperatives_and_anonymous_may_not(self, world: World) -> None:
        yard_id = world.yard_ids[2]
        token = world.cooperative.headers["X-CSRF-Token"]
        refused = world.cooperative.post(
            f"/yards/{yard_id}/name", data={"csrf_token": token, "public_name": "Наш двор"}
        )
        assert refused.status_code == 403
        anonymous = world.anonymous.post(
            f"/yards/{yard_id}/name", data={"public_name": "x"}, follow_redirects=False
        )
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
        assert stored_name(world, yard_id) is None

    def test_a_form_without_its_token_is_refused(self, world: World) -> None:
        yard_id = world.yard_ids[2]
        response = world.admin.post(f"/yards/{yard_id}/name", data={"public_name": "Без токена"})
        assert response.status_code == 403
        assert stored_name(world, yard_id) is None

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("", "e.g. the street and house numbers around it"),
            ("   ", "e.g. the street and house numbers around it"),
            ("я" * 121, "The name is too long: at most 120 characters."),
            ("Двор\x00 12", "The name may not contain control characters"),
            ("Двор\n12", "The name may not contain control characters"),
            ("Двор \u202e21", "The name may not contain control characters"),
        ],
    )
    def test_bad_names_are_422_and_store_nothing(
        self, name: str, message: str, world: World
    ) -> None:
        yard_id = world.yard_ids[2]
        response = name_yard(world.admin, yard_id, name)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert message in response.text
        assert stored_name(world, yard_id) is None

    def test_the_422_is_in_the_readers_language(self, world: World) -> None:
        yard_id = world.yard_ids[2]
        response = name_yard(world.admin, yard_id, "я" * 121, lang="kk")
        assert response.status_code == 422
        assert "Атау тым ұзын: ең көбі 120 таңба." in response.text
