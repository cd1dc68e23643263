"""POST /checklist without JavaScript: stored once, 303 to the result, or the form again
with everything the resident gave and what to correct."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from app.photos.models import Photo
from app.platform.db import Database
from tests.pages.conftest import ANSWERS
from tests.pages.markup import main_text, parse
from tests.pages.support import fill_from, form_fields, get, pages_point, send, stored, stored_count


def point_query() -> str:
    """A new point (a yard of its own) as the checklist page's query."""
    return "&".join(f"{k}={v}" for k, v in pages_point().items())


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 200)).save(out, "PNG")
    return out.getvalue()


class TestEndToEnd:
    def test_fill_send_and_see_the_result(self, web: TestClient, db: Database) -> None:
        fields = fill_from(web, point_query() + "&address=ул.+Сатпаева+90")
        response = send(
            web,
            fields,
            ANSWERS,
            comments={"lighting.at_night": "Темно у второго подъезда"},
            comment="Двор большой",
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/result/{fields['id']}"
        page = get(web, response.headers["location"])
        assert page.status_code == 200
        text = main_text(page.text)
        row = stored(db, fields["id"])
        assert row.risk_index is not None and row.band == "critical"
        assert f"{row.risk_index:.0f}" in text
        assert "Критический риск" in text
        assert "Скорее небезопасно" in text  # the night question echoed
        assert row.item_comments == {"lighting.at_night": "Темно у второго подъезда"}
        assert row.comment == "Двор большой" and row.role == "resident"
        assert row.lat is not None and row.accuracy_m == 8.0

    def test_a_double_tap_stores_once(self, web: TestClient, db: Database) -> None:
        fields = fill_from(web, point_query())
        first = send(web, fields, ANSWERS)
        again = send(web, fields, ANSWERS)
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"]
        assert stored_count(db, fields["id"]) == 1
        assert get(web, again.headers["location"]).status_code == 200

    def test_a_yard_chosen_from_the_list(self, web: TestClient, db: Database) -> None:
        first = fill_from(web, point_query())
        send(web, first, ANSWERS)
        yard_id = stored(db, first["id"]).yard_id
        fields = fill_from(web, f"yard_id={yard_id}")
        assert send(web, fields, {"lighting.at_night": "yes"}).status_code == 303
        assert stored(db, fields["id"]).yard_id == yard_id


class TestFormComesBack:
    def test_no_answers_keeps_everything_and_says_so_in_the_language(
        self, web: TestClient, db: Database
    ) -> None:
        fields = fill_from(web, point_query() + "&address=Абая+10", "kk")
        response = send(
            web,
            fields,
            {"sightlines.playground_view": "na", "social.feel_safe_night": "very_safe"},
            comments={"sightlines.bushes": "Бұталар биік"},
            comment="Жалпы пікір",
            lang="kk",
        )
        assert response.status_code == 422
        html = response.text
        assert 'class="form-errors"' in html
        assert "кемінде бір сұраққа жауап беріңіз" in html
        page = parse(html)
        assert page.checked() == {
            "answer.sightlines.playground_view": "na",
            "answer.social.feel_safe_night": "very_safe",
        }
        assert "Бұталар биік</textarea>" in html and "Жалпы пікір</textarea>" in html
        again = form_fields(html)
        assert again == fields  # same id, version and location
        assert stored_count(db, fields["id"]) == 0

    def test_outside_almaty_keeps_the_answers(self, web: TestClient, db: Database) -> None:
        fields = {**fill_from(web, point_query()), "lat": "51.1694", "lon": "71.4491"}
        response = send(web, fields, ANSWERS, lang="ru")
        assert response.status_code == 422
        assert "за пределами Алматы" in main_text(response.text)
        assert parse(response.text).checked() == {f"answer.{k}": v for k, v in ANSWERS.items()}
        # The coordinates became fields to correct; correcting them sends the same form.
        corrected = {
            **form_fields(response.text),
            **{k: v for k, v in pages_point().items() if k != "accuracy_m"},
        }
        assert send(web, corrected, ANSWERS).status_code == 303
        assert stored_count(db, fields["id"]) == 1

    def test_no_location_asks_for_it(self, web: TestClient) -> None:
        fields = form_fields(get(web, "/checklist").text)
        response = send(web, fields, ANSWERS, lang="en")
        assert response.status_code == 422
        text = main_text(response.text)
        assert "Choose your yard first" in text
        editable = [f for f in parse(response.text).fields if f.attrs.get("type") == "text"]
        assert {f.attrs["name"] for f in editable} == {"address", "lat", "lon"}

    def test_missing_longitude(self, web: TestClient) -> None:
        fields = {**form_fields(get(web, "/checklist").text), "lat": "43.2"}
        response = send(web, fields, ANSWERS, lang="en")
        assert response.status_code == 422
        assert "Enter both the latitude and the longitude" in response.text

    def test_an_unknown_yard(self, web: TestClient) -> None:
        fields = {**form_fields(get(web, "/checklist").text), "yard_id": "99999999"}
        response = send(web, fields, ANSWERS, lang="en")
        assert response.status_code == 422
        assert "This yard is not in SafeYard" in response.text

    def test_a_too_long_comment_is_refused_by_the_server(self, web: TestClient) -> None:
        fields = fill_from(web, point_query())
        response = send(web, fields, ANSWERS, comments={"lighting.at_night": "я" * 501})
        assert response.status_code == 422
        assert "не больше 500 символов" in response.text
        assert 'href="#q-lighting.at_night"' in response.text

    def test_windows_line_breaks_count_once(self, web: TestClient, db: Database) -> None:
        fields = fill_from(web, point_query())
        text = "ab\r\n" * 166  # 498 characters as the browser counts them
        assert send(web, fields, ANSWERS, comments={"lighting.at_night": text}).status_code == 303

    def test_the_same_id_with_other_answers_gets_a_new_id(
        self, web: TestClient, db: Database
    ) -> None:
        fields = fill_from(web, point_query())
        assert send(web, fields, ANSWERS).status_code == 303
        changed = send(web, fields, {**ANSWERS, "lighting.at_night": "yes"}, lang="en")
        assert changed.status_code == 409
        assert "already sent with other answers" in changed.text
        assert f'href="/result/{fields["id"]}"' in changed.text
        renewed = form_fields(changed.text)
        assert renewed["id"] != fields["id"]
        assert send(web, renewed, {**ANSWERS, "lighting.at_night": "yes"}).status_code == 303

    def test_an_unknown_checklist_version(self, web: TestClient) -> None:
        fields = {**fill_from(web, point_query()), "checklist_version": "1999.1"}
        response = send(web, fields, ANSWERS, lang="en")
        assert response.status_code == 422
        assert "The checklist has been updated" in response.text
        assert parse(response.text).checked()


class TestPhotos:
    def test_a_photo_is_stored_and_a_refused_one_is_reported(
        self, web: TestClient, db: Database
    ) -> None:
        fields = fill_from(web, point_query())
        response = send(
            web,
            fields,
            ANSWERS,
            photos={
                "lighting.at_night": ("dark.png", png(), "image/png"),
                "sightlines.bushes": ("notes.txt", b"not a picture at all", "text/plain"),
                "nosuch&x=1": ("dark.png", png(), "image/png"),
            },
        )
        assert response.status_code == 303
        location = response.headers["location"]
        assert re.search(
            r"photo_refused=sightlines\.bushes:(not_an_image|unsupported_type)", unquote(location)
        )
        assert "nosuch" not in location  # a photo for no question of the checklist is ignored
        with db.session() as session:
            photos = session.exec(
                select(Photo).where(Photo.submission_id == stored(db, fields["id"]).id)
            ).all()
        assert [p.item_id for p in photos] == ["lighting.at_night"]
        text = main_text(get(web, location, "en").text)
        assert "The photo for “Are there bushes" in text and "was not saved" in text

    def test_a_failed_form_asks_for_the_photos_again(self, web: TestClient) -> None:
        fields = fill_from(web, point_query())
        response = send(
            web,
            fields,
            {"sightlines.playground_view": "na"},
            photos={"lighting.at_night": ("dark.png", png(), "image/png")},
            lang="en",
        )
        assert response.status_code == 422
        assert "Choose your photos again" in response.text
