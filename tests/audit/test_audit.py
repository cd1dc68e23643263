"""The audit log: one row per staff view of a yard, area, month, report or export, per admin
action and login, with the right user and target; never a submission id or a resident's text;
``record`` never commits by itself and a failed write fails the request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.audit import service as audit_service
from app.audit.models import AuditEvent
from app.channels.web.audit_deps import Auditor
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from app.submissions.models import Submission
from app.yards.models import Yard
from tests.accounts.support import create_user, fresh_client, logged_in
from tests.factories import submission_body

RESIDENT_TEXT = "Resident-only words: the code of our door is 4711"
DISTRICT = "almaly"


@pytest.fixture(scope="module")
def sent(client: TestClient, registry: ChecklistRegistry) -> dict[str, Any]:
    """A resident's check with a comment, as the phone sends it; its id and yard."""
    body = submission_body(registry.current, comment=RESIDENT_TEXT)
    answer = fresh_client(client.app).post("/api/v1/submissions", json=body)
    assert answer.status_code == 201, answer.text
    return {"id": body["id"], "yard_id": answer.json()["yard_id"]}


def _staff(client: TestClient, db: Database, role: UserRole) -> tuple[User, TestClient]:
    links = (
        accounts_service.Links([DISTRICT], [], [], False) if role == UserRole.inspector else None
    )
    user = create_user(db, role=role, links=links)
    return user, logged_in(client.app, user)


def _events(db: Database, user_id: int | None) -> list[tuple[str, str]]:
    """(action, target) of a user's events other than logging in (and enrolling), oldest
    first."""
    with db.session() as session:
        rows = session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.user_id == user_id,
                col(AuditEvent.action).not_in(("login", "second_factor.enrol")),
            )
            .order_by(col(AuditEvent.id))
        ).all()
    return [(r.action, r.target) for r in rows]


def _micro_district(db: Database, yard_id: int) -> str:
    with db.session() as session:
        yard = session.get(Yard, yard_id)
        assert yard is not None and yard.micro_district_id and yard.district_id == DISTRICT
        return yard.micro_district_id


class TestStaffViews:
    def test_yard_page_as_staff_one_row(
        self, client: TestClient, db: Database, sent: dict[str, Any]
    ) -> None:
        user, browser = _staff(client, db, UserRole.inspector)
        assert browser.get(f"/yards/{sent['yard_id']}").status_code == 200
        assert _events(db, user.id) == [("yard.view", f"yard:{sent['yard_id']}")]

    def test_residents_views_are_not_logged(
        self, client: TestClient, db: Database, sent: dict[str, Any]
    ) -> None:
        with db.session() as session:
            before = len(session.exec(select(AuditEvent.id)).all())
        assert fresh_client(client.app).get(f"/yards/{sent['yard_id']}").status_code == 200
        with db.session() as session:
            assert len(session.exec(select(AuditEvent.id)).all()) == before

    @pytest.mark.parametrize(
        ("path", "action", "target"),
        [
            ("/inspector/areas/{micro}", "area.view", "micro-district:{micro}"),
            ("/api/v1/micro-districts/{micro}", "area.view", "micro-district:{micro}"),
            (
                "/inspector/districts/almaly/monthly?month=2026-11",
                "district.monthly",
                "district:almaly:2026-11",
            ),
            (
                "/api/v1/districts/almaly/monthly?month=2026-11",
                "district.monthly",
                "district:almaly:2026-11",
            ),
            (
                "/api/v1/map/yards?bbox=76.90,43.23,76.95,43.26",
                "map.yards",
                "bbox:76.90,43.23,76.95,43.26",
            ),
            ("/api/v1/exports/areas.csv", "export.download", "export:areas.csv"),
            ("/api/v1/exports/yards.geojson", "export.download", "export:yards.geojson"),
        ],
    )
    def test_inspector_panels_and_exports_one_row(
        self,
        client: TestClient,
        db: Database,
        sent: dict[str, Any],
        path: str,
        action: str,
        target: str,
    ) -> None:
        micro = _micro_district(db, sent["yard_id"])
        user, browser = _staff(client, db, UserRole.inspector)
        answer = browser.get(path.format(micro=micro))
        assert answer.status_code == 200, answer.text
        assert _events(db, user.id) == [(action, target.format(micro=micro))]

    def test_refused_views_are_not_logged_as_views(self, client: TestClient, db: Database) -> None:
        user, browser = _staff(client, db, UserRole.inspector)
        assert browser.get("/inspector/districts/bostandyk/monthly").status_code == 403
        assert browser.get("/inspector/areas/no-such-area").status_code == 404
        assert _events(db, user.id) == []


class TestReports:
    def test_yard_report_one_row(
        self, client: TestClient, db: Database, sent: dict[str, Any]
    ) -> None:
        user, browser = _staff(client, db, UserRole.admin)
        assert browser.get(f"/yards/{sent['yard_id']}/report.pdf").status_code == 200
        assert _events(db, user.id) == [("report.download", f"report:yard:yard:{sent['yard_id']}")]

    def test_holders_report_logs_kind_and_yard_only(
        self, client: TestClient, db: Database, sent: dict[str, Any]
    ) -> None:
        with db.session() as session:
            before = session.exec(select(func_max_id())).one() or 0
        answer = fresh_client(client.app).get(f"/result/{sent['id']}/report.pdf")
        assert answer.status_code == 200
        with db.session() as session:
            rows = session.exec(select(AuditEvent).where(col(AuditEvent.id) > before)).all()
        assert [(r.user_id, r.action, r.target) for r in rows] == [
            (None, "report.download", f"report:submission:yard:{sent['yard_id']}")
        ]

    def test_area_report_one_row(
        self, client: TestClient, db: Database, sent: dict[str, Any]
    ) -> None:
        user, browser = _staff(client, db, UserRole.inspector)
        answer = browser.get("/inspector/reports/districts/almaly.pdf?month=2026-11")
        assert answer.status_code == 200
        assert _events(db, user.id) == [("report.download", "report:district:almaly:2026-11")]


def func_max_id() -> Any:
    from sqlalchemy import func

    return func.max(AuditEvent.id)


class TestAdminActions:
    def test_create_change_and_login_are_logged(self, client: TestClient, db: Database) -> None:
        admin_user, admin = _staff(client, db, UserRole.admin)
        token = admin.headers["X-CSRF-Token"]
        created = admin.post(
            "/admin/users",
            data={
                "csrf_token": token,
                "email": "audited-new@example.kz",
                "name": "New",
                "role": "cooperative",
                "password": "a long enough password",
            },
            follow_redirects=False,
        )
        assert created.status_code == 303
        with db.session() as session:
            new = accounts_service.find_user(session, "audited-new@example.kz")
            assert new is not None
            logins = session.exec(
                select(AuditEvent.target).where(
                    AuditEvent.user_id == admin_user.id, AuditEvent.action == "login"
                )
            ).all()
        assert logins == [f"user:{admin_user.id}"]
        admin.post(
            f"/admin/users/{new.id}",
            data={"csrf_token": token, "role": "cooperative", "active": "on"},
        )
        assert _events(db, admin_user.id) == [
            ("user.create", f"user:{new.id}"),
            ("user.update", f"user:{new.id}"),
        ]


class TestRecord:
    def test_never_a_submission_id_or_a_residents_text(
        self, client: TestClient, db: Database, sent: dict[str, Any]
    ) -> None:
        # Whatever the other tests logged (views, reports, exports, logins):
        _, browser = _staff(client, db, UserRole.admin)
        browser.get(f"/yards/{sent['yard_id']}/report.pdf")
        fresh_client(client.app).get(f"/result/{sent['id']}/report.pdf")
        with db.session() as session:
            texts = [
                " ".join((e.action, e.target, e.ip)) for e in session.exec(select(AuditEvent)).all()
            ]
            ids = [str(i) for i in session.exec(select(Submission.id)).all()]
        assert texts
        blob = "\n".join(texts).lower()
        assert sent["id"].lower() in ids
        assert not [i for i in ids if i.lower() in blob or i.replace("-", "") in blob]
        assert RESIDENT_TEXT.lower() not in blob and "4711" not in blob

    @pytest.mark.parametrize(
        "target", ["report:submission:0b9e9c2e-7d0c-4a57-9bd7-6f5bb8b6a1c4", "yard:1\n"]
    )
    def test_refuses_a_capability_or_raw_input(self, db: Database, target: str) -> None:
        with db.session() as session, pytest.raises(audit_service.UnsafeTarget):
            audit_service.record(
                session, user=None, action=audit_service.AuditAction.yard_viewed, target=target
            )

    def test_does_not_commit_by_itself(self, db: Database) -> None:
        marker = "yard:424242"
        with db.session() as session:
            audit_service.record(
                session, user=None, action=audit_service.AuditAction.yard_viewed, target=marker
            )
            session.rollback()
        with db.session() as session:
            assert session.exec(select(AuditEvent).where(AuditEvent.target == marker)).all() == []

    def test_a_failed_write_fails_the_request(self, tmp_path: Path) -> None:
        # A database without the audit table: the write raises, nothing swallows it.
        broken = Database(f"sqlite:///{tmp_path / 'no-audit.db'}")
        try:
            auditor: Callable[..., None] = Auditor(broken, None, "127.0.0.1")
            with pytest.raises(OperationalError):
                auditor(audit_service.AuditAction.yard_viewed, "yard:1")
        finally:
            broken.dispose()
