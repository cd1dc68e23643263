"""/admin/audit: admins only; filters by user, action and day; pages; CSV; three languages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.accounts.models import User, UserRole
from app.areas.trend import ALMATY
from app.audit import service as audit_service
from app.audit.models import AuditEvent
from app.platform.db import Database, utcnow
from tests.accounts.support import create_user, fresh_client, logged_in


@pytest.fixture(scope="module")
def admin(client: TestClient, db: Database) -> TestClient:
    return logged_in(client.app, create_user(db, role=UserRole.admin))


@pytest.fixture(scope="module")
def subject(db: Database) -> User:
    """A user with 60 yard views today and one 40 days ago."""
    user = create_user(db, role=UserRole.inspector)
    with db.write_session() as session:
        for n in range(60):
            audit_service.record(
                session, user=user, action=audit_service.AuditAction.yard_viewed, target=f"yard:{n}"
            )
        old = audit_service.record(
            session,
            user=user,
            action=audit_service.AuditAction.export_downloaded,
            target="export:old",
        )
        old.at = utcnow() - timedelta(days=40)
        session.add(old)
    return user


class TestAccess:
    @pytest.mark.parametrize("role", [UserRole.inspector, UserRole.cooperative])
    def test_only_admins(self, client: TestClient, db: Database, role: UserRole) -> None:
        browser = logged_in(client.app, create_user(db, role=role))
        assert browser.get("/admin/audit").status_code == 403
        assert browser.get("/admin/audit.csv").status_code == 403
        anonymous = fresh_client(client.app).get("/admin/audit", follow_redirects=False)
        assert anonymous.headers["location"].startswith("/login")


class TestPage:
    def test_filter_by_user_and_pages(self, admin: TestClient, subject: User) -> None:
        first = admin.get("/admin/audit", params={"user": subject.id, "action": "yard.view"})
        assert first.status_code == 200
        assert "Events found: 60" in first.text
        assert first.text.count("<td>Yard opened</td>") == audit_service.PAGE_SIZE
        assert "yard:59" in first.text and ">yard:0<" not in first.text  # newest first
        assert "Page 1 of 2" in first.text
        second = admin.get(
            "/admin/audit", params={"user": subject.id, "action": "yard.view", "page": 2}
        )
        assert second.text.count("<td>Yard opened</td>") == 10 and ">yard:0<" in second.text

    def test_filter_by_day(self, admin: TestClient, subject: User) -> None:
        old_day = (utcnow() - timedelta(days=40)).astimezone(ALMATY).date().isoformat()
        only_old = admin.get(
            "/admin/audit", params={"user": subject.id, "since": old_day, "until": old_day}
        )
        assert "Events found: 1" in only_old.text and "export:old" in only_old.text
        today = utcnow().astimezone(ALMATY).date().isoformat()
        recent = admin.get("/admin/audit", params={"user": subject.id, "since": today})
        assert "Events found: 60" in recent.text and "export:old" not in recent.text

    @pytest.mark.parametrize(
        ("params", "says"),
        [
            ({"since": "yesterday"}, "Write it as YYYY-MM-DD"),
            ({"user": "x"}, "Choose a user"),
            ({"action": "drop table"}, "Choose an action"),
            ({"page": "0"}, "The page must be"),
        ],
    )
    def test_bad_filters_are_422(
        self, admin: TestClient, params: dict[str, str], says: str
    ) -> None:
        answer = admin.get("/admin/audit", params=params)
        assert answer.status_code == 422 and says in answer.text

    def test_csv_has_the_selection_and_is_logged(
        self, admin: TestClient, subject: User, db: Database
    ) -> None:
        answer = admin.get("/admin/audit.csv", params={"user": subject.id})
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(answer.text)))
        assert rows[0] == ["at_utc", "user", "action", "target", "ip"]
        assert len(rows) == 62 and {r[1] for r in rows[1:]} == {subject.email}
        with db.session() as session:
            last = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
        assert last is not None and last.target == "export:audit.csv"

    @pytest.mark.parametrize(("lang", "title"), [("ru", "Журнал аудита"), ("kk", "Аудит журналы")])
    def test_in_russian_and_kazakh(self, admin: TestClient, lang: str, title: str) -> None:
        page = admin.get("/admin/audit", headers={"Accept-Language": lang})
        assert f"<h1>{title}</h1>" in page.text


class TestActionLabels:
    def test_every_action_has_a_label_in_every_language(self) -> None:
        from app.audit.service import AuditAction
        from app.channels.staff.audit_log import action_labels
        from app.platform.translations import current_lang

        for lang in ("ru", "kk", "en"):
            token = current_lang.set(lang)
            try:
                labels = action_labels()
            finally:
                current_lang.reset(token)
            assert set(labels) == {a.value for a in AuditAction}
            assert all(text and "." not in text for text in labels.values()), lang
