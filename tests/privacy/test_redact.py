"""Deletion on request: /admin/privacy (paste the result link, see what goes, confirm with a
form POST and its token) and ``safeyard redact`` remove a submission's comments and photos
(rows and files) and keep its answers and score; only admins may."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import UserRole
from app.audit.models import AuditEvent
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.models import SubmissionRedaction
from tests.accounts.support import create_user, fresh_client, logged_in
from tests.privacy.support import add_photo, photo_ids, stored, submit_with_text
from tests.reliability.support import fresh_database

SAFEYARD = str(Path(sys.executable).with_name("safeyard"))


@pytest.fixture
def admin(client: TestClient, db: Database) -> TestClient:
    return logged_in(client.app, create_user(db, role=UserRole.admin))


def with_photos(
    db: Database, registry: ChecklistRegistry, settings: Settings
) -> tuple[uuid.UUID, list[Path]]:
    sid = submit_with_text(db, registry, settings)
    files: list[Path] = []
    for _ in range(2):
        files += add_photo(db, settings, submission_id=sid)[1]
    return sid, files


def mark(db: Database, sid: uuid.UUID) -> SubmissionRedaction | None:
    with db.session() as session:
        return session.get(SubmissionRedaction, sid)


class TestAdminPage:
    def test_preview_then_confirm_removes_text_and_photos_and_keeps_the_score(
        self,
        admin: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
    ) -> None:
        sid, files = with_photos(db, registry, settings)
        before = stored(db, sid)
        token = admin.headers["X-CSRF-Token"]
        page = admin.get("/admin/privacy")
        assert page.status_code == 200 and 'action="/admin/privacy/preview"' in page.text

        link = f"https://safeyard.example.kz/result/{sid}?photo_refused=x"
        preview = admin.post(
            "/admin/privacy/preview", data={"csrf_token": token, "reference": link}
        )
        assert preview.status_code == 200, preview.text
        assert before.comment and before.comment in preview.text
        assert "Photos: 2" in preview.text
        assert "Comment on the question “" in preview.text  # the question, not the item id
        with db.session() as session:
            previewed = session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "submission.redact_preview",
                    AuditEvent.target == f"yard:{before.yard_id}",
                )
            ).all()
        assert len(previewed) == 1  # reading a resident's comments is recorded
        assert 'action="/admin/privacy/redact"' in preview.text
        # Nothing is removed by looking.
        assert stored(db, sid).comment == before.comment and len(photo_ids(db, sid)) == 2
        assert all(p.is_file() for p in files)

        cached = settings.data_dir / "reports" / f"{'b' * 64}.pdf"  # may show the old text
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(b"%PDF-1.7 cached report")
        done = admin.post(
            "/admin/privacy/redact", data={"csrf_token": token, "reference": str(sid)}
        )
        assert done.status_code == 200, done.text
        assert "Removed: 3 comments and 2 photos" in done.text
        assert not cached.exists()
        after = stored(db, sid)
        assert after.comment is None and after.item_comments == {}
        assert photo_ids(db, sid) == set()
        assert not any(p.exists() for p in files)
        assert after.answers == before.answers and after.risk_index == before.risk_index
        assert after.band == before.band and after.section_scores == before.section_scores
        redaction = mark(db, sid)
        assert redaction is not None
        assert (redaction.texts_removed, redaction.photos_removed) == (3, 2)
        assert redaction.redacted_by is not None
        with db.session() as session:
            audited = session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "submission.redact",
                    AuditEvent.target == f"yard:{before.yard_id}",
                )
            ).all()
        assert [e.user_id for e in audited] == [redaction.redacted_by]
        # The resident's result still opens, with its score.
        assert admin.get(f"/result/{sid}").status_code == 200

        again = admin.post(
            "/admin/privacy/preview", data={"csrf_token": token, "reference": str(sid)}
        )
        assert "already redacted" in again.text and "nothing to remove" in again.text

    def test_without_the_form_token_nothing_changes(
        self,
        admin: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
    ) -> None:
        sid, files = with_photos(db, registry, settings)
        refused = admin.post("/admin/privacy/redact", data={"reference": str(sid)})
        assert refused.status_code == 403
        assert stored(db, sid).comment and len(photo_ids(db, sid)) == 2
        assert all(p.is_file() for p in files) and mark(db, sid) is None

    @pytest.mark.parametrize(
        ("reference", "status", "message"),
        [
            ("my yard, please delete", 422, "No submission id was found"),
            (str(uuid.uuid4()), 404, "There is no submission with this id"),
        ],
    )
    def test_a_bad_reference_is_explained(
        self, admin: TestClient, reference: str, status: int, message: str
    ) -> None:
        token = admin.headers["X-CSRF-Token"]
        for path in ("/admin/privacy/preview", "/admin/privacy/redact"):
            page = admin.post(path, data={"csrf_token": token, "reference": reference})
            assert page.status_code == status
            assert message in page.text
            assert f'value="{reference}"' in page.text  # what the admin pasted is kept

    def test_in_russian(self, admin: TestClient) -> None:
        token = admin.headers["X-CSRF-Token"]
        page = admin.post(
            "/admin/privacy/preview",
            data={"csrf_token": token, "reference": "?"},
            headers={"Accept-Language": "ru"},
        )
        assert page.status_code == 422 and "нет номера проверки" in page.text

    def test_only_admins(self, client: TestClient, db: Database) -> None:
        for role in (UserRole.inspector, UserRole.cooperative):
            user = logged_in(client.app, create_user(db, role=role))
            assert user.get("/admin/privacy").status_code == 403
            token = user.headers["X-CSRF-Token"]
            refused = user.post(
                "/admin/privacy/redact", data={"csrf_token": token, "reference": str(uuid.uuid4())}
            )
            assert refused.status_code == 403
        anonymous = fresh_client(client.app)
        assert anonymous.get("/admin/privacy", follow_redirects=False).status_code in (401, 303)


class TestRedactCommand:
    def test_removes_text_and_photos_and_keeps_the_answers(
        self, tmp_path: Path, registry: ChecklistRegistry
    ) -> None:
        with fresh_database(tmp_path, registry) as url:
            settings = Settings(database_url=url, data_dir=tmp_path / "data")
            db = Database(url)
            try:
                sid, files = with_photos(db, registry, settings)
                before = stored(db, sid)
                env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEYARD_")}
                env.update(SAFEYARD_DATABASE_URL=url, SAFEYARD_DATA_DIR=str(settings.data_dir))

                def run(*args: str) -> subprocess.CompletedProcess[str]:
                    return subprocess.run(
                        [SAFEYARD, "redact", *args],
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=60,
                        check=False,
                    )

                unknown = run("--yes", str(uuid.uuid4()))
                assert unknown.returncode == 1 and "nothing removed" in unknown.stderr
                done = run("--yes", f"http://127.0.0.1:8000/result/{sid}")
                assert done.returncode == 0, done.stderr
                assert "3 comments and 2 photos to remove" in done.stdout
                assert "removed 3 comments and 2 photos (4 files)" in done.stdout
                after = stored(db, sid)
                assert after.comment is None and after.item_comments == {}
                assert after.answers == before.answers and after.risk_index == before.risk_index
                assert photo_ids(db, sid) == set() and not any(p.exists() for p in files)
                redaction = mark(db, sid)
                assert redaction is not None and redaction.redacted_by is None
                with db.session() as session:
                    audited = session.exec(
                        select(AuditEvent).where(AuditEvent.action == "submission.redact")
                    ).all()
                assert [(e.user_id, e.target, e.ip) for e in audited] == [
                    (None, f"yard:{before.yard_id}", "cli")
                ]
            finally:
                db.dispose()
