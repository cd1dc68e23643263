""" "Report a fix" on /my-yards: the date, the note and an after-photo stored without its
metadata, served only to those who may see the finding; bad input gives a 422 page that keeps
what was typed and stores nothing (issue 14)."""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from PIL import Image

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.findings.models import FindingState
from app.photos import fix_photos
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.accounts.support import create_user, fresh_client, logged_in
from tests.findings.cooperative_support import (
    audited_yard,
    cooperative_of,
    finding,
    inspector_of,
    jpeg_with_gps,
    post_form,
)


def _stored_files(settings: Settings) -> set[str]:
    folder = fix_photos.fix_photos_dir(settings)
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


class TestReportFix:
    def test_with_a_photo_its_gps_removed(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        browser = logged_in(client.app, cooperative_of(db, yard.yard_id))
        finding_id = yard.finding_ids[0]
        today = utcnow().date().isoformat()
        response = post_form(
            browser,
            f"/my-yards/findings/{finding_id}/fix",
            {"fixed_on": today, "note": "Заменили лампы"},
            photo=jpeg_with_gps(),
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/my-yards?done=fix"
        fixed = finding(db, finding_id)
        assert fixed.state == FindingState.fix_reported
        assert fixed.fix_note == "Заменили лампы"
        assert fixed.fix_date is not None and fixed.fix_date.date().isoformat() == today
        assert fixed.fix_photo is not None
        path = fix_photos.fix_photo_path(settings, fixed.fix_photo)
        assert path.parent == settings.data_dir / "fix-photos"
        stored = Image.open(path)
        assert stored.format == "JPEG"
        assert not stored.getexif(), "no EXIF (GPS, camera) survives"
        assert b"TestPhone" not in path.read_bytes()
        page = browser.get("/my-yards?lang=en")
        assert fixed.fix_photo not in page.text  # the name is a capability
        assert f"/findings/{finding_id}/photo" in page.text
        served = browser.get(f"/findings/{finding_id}/photo")
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/jpeg"
        assert served.headers["cache-control"] == "private, no-store"
        assert not Image.open(io.BytesIO(served.content)).getexif()

    def test_photo_is_404_to_those_who_may_not_see_the_finding(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard, elsewhere = (audited_yard(db, registry, settings) for _ in range(2))
        browser = logged_in(client.app, cooperative_of(db, yard.yard_id))
        finding_id = yard.finding_ids[0]
        response = post_form(
            browser,
            f"/my-yards/findings/{finding_id}/fix",
            {"fixed_on": utcnow().date().isoformat(), "note": ""},
            photo=jpeg_with_gps(),
        )
        assert response.status_code == 303
        url = f"/findings/{finding_id}/photo"
        others = {
            "anonymous": fresh_client(client.app),
            "another cooperative": logged_in(client.app, cooperative_of(db, elsewhere.yard_id)),
            "inspector of another district": logged_in(client.app, inspector_of(db, "bostandyk")),
            "official of no body": logged_in(client.app, create_user(db, role=UserRole.official)),
        }
        for who, other in others.items():
            refused = other.get(url, follow_redirects=False)
            assert refused.status_code == 404, who
            assert refused.headers.get("content-type", "").startswith("text/html"), who
        inspector = logged_in(client.app, inspector_of(db, "almaly"))
        assert inspector.get(url).status_code == 200
        # A finding without a photo: the same 404.
        assert browser.get(f"/findings/{yard.finding_ids[1]}/photo").status_code == 404

    def test_a_photo_that_fails_to_decode(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        browser = logged_in(client.app, cooperative_of(db, yard.yard_id))
        finding_id = yard.finding_ids[0]
        before = _stored_files(settings)
        broken = jpeg_with_gps()[:400]  # a cut-off JPEG
        response = post_form(
            browser,
            f"/my-yards/findings/{finding_id}/fix",
            {"fixed_on": utcnow().date().isoformat(), "note": "Покрасили"},
            photo=broken,
        )
        assert response.status_code == 422
        text = response.text
        assert "The after-photo was not accepted" in text
        assert "Покрасили" in text  # what was typed is kept
        assert _stored_files(settings) == before
        assert finding(db, finding_id).state != FindingState.fix_reported

    def test_bad_dates(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        yard = audited_yard(db, registry, settings)
        browser = logged_in(client.app, cooperative_of(db, yard.yard_id))
        url = f"/my-yards/findings/{yard.finding_ids[0]}/fix"
        tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
        future = post_form(browser, url, {"fixed_on": tomorrow, "note": "завтра"})
        assert future.status_code == 422
        assert "cannot be in the future" in future.text
        assert f'value="{tomorrow}"' in future.text
        garbled = post_form(browser, url, {"fixed_on": "31.12.2026"}, lang="ru")
        assert garbled.status_code == 422
        assert "Укажите дату" in garbled.text
        assert finding(db, yard.finding_ids[0]).state != FindingState.fix_reported

    def test_another_yards_finding_is_404(
        self, client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
    ) -> None:
        mine, other = (audited_yard(db, registry, settings) for _ in range(2))
        browser = logged_in(client.app, cooperative_of(db, mine.yard_id))
        before = _stored_files(settings)
        response = post_form(
            browser,
            f"/my-yards/findings/{other.finding_ids[0]}/fix",
            {"fixed_on": utcnow().date().isoformat()},
            photo=jpeg_with_gps(),
        )
        assert response.status_code == 404
        assert _stored_files(settings) == before
