"""The staff finding page of a resident's report: its words, and accept / reject forms that
work as plain POSTs; an inspector of another district gets 404."""

from __future__ import annotations

import html
import uuid

import pytest
from fastapi.testclient import TestClient

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.checklists.loader import ChecklistRegistry
from app.findings.models import Finding, FindingState
from app.intake.reports import submit_report
from app.platform.config import Settings
from app.platform.db import Database
from tests.accounts.support import TOKEN, logged_in
from tests.factories import area_index, create_user, new_location

DISTRICT = "turksib"
TEXT = "Подвал открыт, там собираются подростки"


@pytest.fixture()  # a new account per test: a second login would wait for the next TOTP step
def inspector(db: Database) -> User:
    return create_user(
        db, role=UserRole.inspector, links=accounts_service.Links([DISTRICT], [], [])
    )


def a_report(db: Database, registry: ChecklistRegistry, settings: Settings) -> int:
    where = new_location(DISTRICT)
    with db.write_session() as session:
        report = submit_report(
            session,
            client_id=str(uuid.uuid4()),
            channel="telegram",
            section_id="access",
            text=TEXT,
            latitude=where["lat"],
            longitude=where["lon"],
            photo=None,
            registry=registry,
            areas=area_index(),
            settings=settings,
        )
        return report.finding_id


def state_of(db: Database, finding_id: int) -> Finding:
    with db.session() as session:
        finding = session.get(Finding, finding_id)
        assert finding is not None
        return finding


@pytest.mark.parametrize(
    ("action", "data", "state", "confirmed"),
    [
        ("accept-report", {"note": "Checked on site"}, FindingState.open, True),
        ("reject-report", {"reason": "Another yard"}, FindingState.withdrawn, False),
    ],
)
def test_accept_and_reject_from_the_page(
    client: TestClient,
    db: Database,
    registry: ChecklistRegistry,
    settings: Settings,
    inspector: User,
    action: str,
    data: dict[str, str],
    state: FindingState,
    confirmed: bool,
) -> None:
    finding_id = a_report(db, registry, settings)
    staff = logged_in(client.app, inspector)
    page = staff.get(f"/inspector/findings/{finding_id}")
    assert page.status_code == 200
    assert TEXT in page.text
    # Its section by title in the page's language (the staff client's is English), not by id.
    assert '<html lang="en">' in page.text
    access = registry.current.checklist.sections
    (title,) = [s.title.get("en") for s in access if s.id == "access"]
    assert f"Section: {title} ·" in html.unescape(page.text)
    assert f"/inspector/findings/{finding_id}/accept-report" in page.text
    token = TOKEN.search(page.text)
    assert token
    done = staff.post(
        f"/inspector/findings/{finding_id}/{action}",
        data={"csrf_token": token.group(1), **data},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    finding = state_of(db, finding_id)
    assert (finding.state, finding.confirmed) == (state, confirmed)
    again = staff.get(f"/inspector/findings/{finding_id}")
    assert "/accept-report" not in again.text


def test_rejecting_needs_a_reason(
    client: TestClient,
    db: Database,
    registry: ChecklistRegistry,
    settings: Settings,
    inspector: User,
) -> None:
    finding_id = a_report(db, registry, settings)
    staff = logged_in(client.app, inspector)
    page = staff.get(f"/inspector/findings/{finding_id}")
    token = TOKEN.search(page.text)
    assert token
    answer = staff.post(
        f"/inspector/findings/{finding_id}/reject-report",
        data={"csrf_token": token.group(1), "reason": ""},
    )
    assert answer.status_code == 422
    assert state_of(db, finding_id).state == FindingState.open


def test_an_inspector_of_another_district_gets_404(
    client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
) -> None:
    finding_id = a_report(db, registry, settings)
    other = create_user(
        db, role=UserRole.inspector, links=accounts_service.Links(["medeu"], [], [])
    )
    staff = logged_in(client.app, other)
    assert staff.get(f"/inspector/findings/{finding_id}").status_code == 404
