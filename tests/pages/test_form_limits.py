"""The no-JavaScript form may carry several photos; past its cap the refusal is a page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.platform.limits import FORM_PHOTOS, MULTIPART_OVERHEAD_BYTES
from tests.pages.support import form_fields, get, pages_point, send

MB = 1024 * 1024


class TestFormSize:
    def test_several_photos_fit_and_the_answers_are_stored(self, client: TestClient) -> None:
        where = pages_point()
        page = get(client, f"/checklist?lat={where['lat']}&lon={where['lon']}&accuracy_m=8")
        fields = form_fields(page.text)
        # Three 6 MB "photos" (not images): over one photo's limit together, under the form's.
        photos = {
            item: (f"{n}.jpg", b"\xff\xd8" + bytes(6 * MB), "image/jpeg")
            for n, item in enumerate(
                ["lighting.at_night", "lighting.entrances", "parking.on_lawns"]
            )
        }
        response = send(client, fields, {"lighting.at_night": "yes"}, photos=photos)
        assert response.status_code == 303, response.text[:300]
        assert "photo_refused=" in response.headers["location"]

    def test_past_the_cap_is_a_page_in_the_language(self, client: TestClient) -> None:
        huge = bytes(10 * MB * FORM_PHOTOS + MULTIPART_OVERHEAD_BYTES + 1)
        response = client.post(
            "/checklist?lang=kk",
            files=[("photo.lighting.at_night", ("a.jpg", huge, "image/jpeg"))],
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        assert "МБ" in response.text and '<html lang="kk"' in response.text
