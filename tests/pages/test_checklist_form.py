"""GET /checklist: one form with every section, in the markup the JavaScript relies on."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from app.checklists.loader import ChecklistRegistry
from tests.pages.conftest import Checked
from tests.pages.markup import main_text, parse
from tests.pages.support import form_fields, get, pages_point

FORM = re.compile(
    r'<form id="checklist-form" method="post" action="/checklist" '
    r'enctype="multipart/form-data" data-checklist-version="([^"]+)" data-lang="(\w+)" novalidate>'
)


class TestFormContract:
    def test_form_hidden_inputs_and_a_fresh_id(
        self, web: TestClient, registry: ChecklistRegistry
    ) -> None:
        point = pages_point()
        url = f"/checklist?lat={point['lat']}&lon={point['lon']}&accuracy_m=9&address=Абая+1"
        first, second = get(web, url, "kk").text, get(web, url, "kk").text
        assert FORM.search(first).groups() == (registry.current.version, "kk")  # type: ignore[union-attr]
        fields = form_fields(first)
        assert uuid.UUID(fields["id"]).version == 4
        assert fields["id"] != form_fields(second)["id"]
        assert fields["checklist_version"] == registry.current.version
        assert (fields["lat"], fields["lon"], fields["accuracy_m"]) == (
            point["lat"].rstrip("0"),
            point["lon"].rstrip("0"),
            "9.0",
        )
        assert fields["address"] == "Абая 1" and fields["yard_id"] == ""
        assert 'href="/yard/find"' in first

    def test_every_section_and_every_resident_question(
        self, web: TestClient, registry: ChecklistRegistry
    ) -> None:
        html = get(web, "/checklist").text
        page = parse(html)
        checklist = registry.current.checklist
        for section in checklist.sections:
            resident = [i for i in section.items if "resident" in i.roles]
            assert (f'data-section="{section.id}" id="section-{section.id}"' in html) == bool(
                resident
            )
            for item in section.items:
                shown = f'<fieldset class="question" data-item="{item.id}" id="q-{item.id}">'
                assert (shown in html) == (item in resident), item.id
        radios = [f for f in page.fields if f.attrs.get("type") == "radio"]
        assert radios and all(f.in_label for f in radios)
        assert not any("required" in f.attrs for f in page.fields)
        # The "does not apply" option is offered where the checklist allows it.
        na_items = {i.id for i in checklist.items() if i.allow_na and "resident" in i.roles}
        assert {str(f.attrs["name"])[7:] for f in radios if f.attrs["value"] == "na"} == na_items
        for item in checklist.items():
            if "resident" not in item.roles:
                continue
            assert page.values(f"comment.{item.id}") == [None]  # a textarea
            photo = [f for f in page.fields if f.attrs.get("name") == f"photo.{item.id}"]
            assert photo[0].attrs["accept"] == (
                "image/jpeg,image/png,image/webp,image/heic,image/heif"
            )
            assert photo[0].attrs["capture"] == "environment"
        assert html.count('<details class="why">') == html.count('class="question"')
        assert html.count('<details class="item-extra">') == html.count('class="question"')
        assert '<textarea id="comment" name="comment" maxlength="2000"' in html
        assert '<button type="submit" class="button button-primary button-block">' in html

    def test_the_unscored_question_comes_last_in_its_section(self, web: TestClient) -> None:
        html = get(web, "/checklist").text
        rest = html.split('data-section="social"', 1)[1]
        social = re.split(r'data-section=|id="form-end"', rest)[0]
        items = re.findall(r'data-item="([^"]+)"', social)
        assert items[-1] == "social.feel_safe_night"


class TestWhereTheYardIs:
    def test_a_chosen_yard_is_summarised_with_a_change_link(
        self, web: TestClient, checked: Checked
    ) -> None:
        html = get(web, f"/checklist?yard_id={checked.yard_id}").text
        assert form_fields(html)["yard_id"] == str(checked.yard_id)
        text = main_text(html)
        # The yard by its public name, never the address its first sender typed.
        assert f"Двор № {checked.yard_id}" in text and "Бостандыкский район" in text
        assert "ул. Тимирязева 42" not in html
        assert "Выбрать другой двор" in text

    def test_nothing_known_asks_to_choose_the_yard_but_renders_the_form(
        self, web: TestClient
    ) -> None:
        response = get(web, "/checklist", "en")
        assert response.status_code == 200
        assert 'id="no-yard"' in response.text and "Choose your yard first" in response.text
        assert 'id="checklist-form"' in response.text
        assert all(
            v == ""
            for k, v in form_fields(response.text).items()
            if k not in ("id", "checklist_version")
        )

    def test_coordinates_pasted_into_one_field_are_split(self, web: TestClient) -> None:
        fields = form_fields(get(web, "/checklist?lat=43.2050,+76.8900&lon=").text)
        assert (fields["lat"], fields["lon"]) == ("43.205", "76.89")

    def test_a_decimal_comma_is_read(self, web: TestClient) -> None:
        fields = form_fields(get(web, "/checklist?lat=43,2050&lon=76,8900").text)
        assert (fields["lat"], fields["lon"]) == ("43.205", "76.89")

    def test_bad_coordinates_are_shown_to_correct(self, web: TestClient) -> None:
        response = get(web, "/checklist?lat=north&lon=76.9&address=Абая+5", "kk")
        assert response.status_code == 422
        assert "Координаттарды оқу мүмкін болмады" in response.text
        page = parse(response.text)
        # The location block became fields to correct, keeping what was typed.
        editable = {f.attrs["name"]: f for f in page.fields if f.attrs.get("type") == "text"}
        assert editable["lat"].attrs["value"] == "north"
        assert editable["address"].attrs["value"] == "Абая 5"

    def test_outside_almaty_on_the_checklist_page(self, web: TestClient) -> None:
        response = get(web, "/checklist?lat=51.1694&lon=71.4491", "ru")
        assert response.status_code == 422
        assert "за пределами Алматы" in response.text

    def test_unknown_yard(self, web: TestClient) -> None:
        response = get(web, "/checklist?yard_id=99999999", "en")
        assert response.status_code == 422
        assert "This yard is not in SafeYard" in response.text
        assert form_fields(response.text)["yard_id"] == ""
