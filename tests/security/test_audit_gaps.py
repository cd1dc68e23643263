"""Staff pages that show residents' data or the audit log itself write an audit row: the
moderation page (residents' pending photos) and the audit log's own page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.audit.models import AuditEvent
from app.platform.db import Database
from tests.accounts.support import create_user, logged_in


def _actions(db: Database, user: User) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.user_id == user.id,
                col(AuditEvent.action).not_in(("login", "second_factor.enrol")),
            )
            .order_by(col(AuditEvent.id))
        ).all()
    return [(r.action, r.target) for r in rows]


@pytest.mark.parametrize("role", [UserRole.admin, UserRole.inspector])
def test_moderation_page_is_audited(client: TestClient, db: Database, role: UserRole) -> None:
    inspector = role == UserRole.inspector
    links = accounts_service.Links(["almaly"], [], [], False) if inspector else None
    user = create_user(db, role=role, links=links)
    browser = logged_in(client.app, user)
    assert browser.get("/inspector/photos").status_code == 200
    assert _actions(db, user) == [("photos.view", "photos:pending")]


def test_audit_page_is_audited(client: TestClient, db: Database) -> None:
    admin = create_user(db, role=UserRole.admin)
    browser = logged_in(client.app, admin)
    assert browser.get("/admin/audit", params={"action": "login"}).status_code == 200
    assert _actions(db, admin) == [("audit.view", "audit:login")]
    assert browser.get("/admin/audit").status_code == 200
    assert _actions(db, admin)[-1] == ("audit.view", "audit:all")
