"""The official role (staff of a responsible body): accounts, scope, second factor, the CLI's
--body, and where its login lands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from app.accounts import second_factor
from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import BodyMember
from app.channels.cli.main import cli
from app.demo.reference import load_reference_data
from app.platform import migrate
from app.platform.config import get_settings
from app.platform.db import Database
from app.platform.errors import Invalid
from tests.accounts.support import PASSWORD, create_user, fresh_client, log_in, logged_in
from tests.factories import new_email
from tests.findings_factories import new_body


def _official(session: Session, links: accounts_service.Links) -> User:
    return accounts_service.create_user(
        session,
        email=new_email("official"),
        name="Official",
        role=UserRole.official,
        password=PASSWORD,
        links=links,
    )


class TestAccounts:
    def test_an_official_has_no_links(self, session: Session) -> None:
        user = _official(session, accounts_service.Links([], [], []))
        assert user.role == UserRole.official

    @pytest.mark.parametrize(
        "links",
        [
            accounts_service.Links(["almaly"], [], []),
            accounts_service.Links([], [], [], city_wide=True),
        ],
    )
    def test_no_district_or_city_links(
        self, session: Session, links: accounts_service.Links
    ) -> None:
        with pytest.raises(Invalid, match="Only inspectors"):
            _official(session, links)

    def test_no_yard_links(self, session: Session) -> None:
        with pytest.raises(Invalid, match="Only housing cooperatives"):
            _official(session, accounts_service.Links([], [], [1]))


class TestScope:
    def test_sees_no_yard_and_is_not_staff(self, session: Session) -> None:
        user = _official(session, accounts_service.Links([], [], []))
        scope = Scope.of(session, user)
        assert scope.role == UserRole.official
        assert not scope.is_staff and not scope.may_see_area_aggregates
        assert scope.yard_ids == frozenset() and not scope.city_wide
        assert not scope.may_see_district("almaly")


class TestSecondFactor:
    def test_may_enrol_but_is_not_made_to(self, session: Session) -> None:
        user = _official(session, accounts_service.Links([], [], []))
        # The existing rule: admins and inspectors must; cooperatives and officials may.
        assert not second_factor.needs_second_factor(user, require_totp=True)
        assert UserRole.official not in second_factor.TOTP_ROLES


class TestLanding:
    def test_official_lands_on_body(self, client: TestClient, db: Database) -> None:
        user = create_user(db, role=UserRole.official)
        response = log_in(fresh_client(client.app), user.email)
        assert response.status_code == 303
        assert response.headers["location"] == "/body"

    def test_cooperative_lands_on_my_yards(self, client: TestClient, db: Database) -> None:
        user = create_user(db, role=UserRole.cooperative)
        response = log_in(fresh_client(client.app), user.email)
        assert response.headers["location"] == "/my-yards"

    def test_inspector_lands_where_he_was_going(self, client: TestClient, db: Database) -> None:
        user = create_user(db, role=UserRole.inspector)
        response = log_in(fresh_client(client.app), user.email)
        # The second factor first, then the home page as before.
        assert response.headers["location"].startswith("/login/enrol?next=%2F")

    def test_official_may_not_open_the_inspectors_pages(
        self, client: TestClient, db: Database
    ) -> None:
        browser = logged_in(client.app, create_user(db, role=UserRole.official))
        assert browser.get("/inspector", follow_redirects=False).status_code == 403
        assert browser.get("/api/v1/map/yards?bbox=76.8,43.2,76.9,43.3").status_code == 403
        assert browser.get("/admin/users", follow_redirects=False).status_code == 403

    def test_admin_page_offers_the_role(self, client: TestClient, db: Database) -> None:
        browser = logged_in(client.app, create_user(db, role=UserRole.admin))
        page = browser.get("/admin/users?lang=en")
        assert '<option value="official"' in page.text
        assert "Official of a responsible body" in page.text


@pytest.fixture
def scratch_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'official-cli.db'}"
    monkeypatch.setenv("SAFEYARD_DATABASE_URL", url)
    get_settings.cache_clear()
    migrate.upgrade(url)
    db = Database(url)
    load_reference_data(db, registry=registry)
    yield db
    db.dispose()
    get_settings.cache_clear()


def _create(*args: str) -> Result:
    return CliRunner().invoke(
        cli, ["create-user", *args, "--password-stdin"], input="a long enough password\n"
    )


class TestCli:
    def test_official_with_body(self, scratch_db: Database) -> None:
        with scratch_db.write_session() as session:
            body_id = new_body(session).id
        result = _create("off@example.kz", "--role", "official", "--body", body_id)
        assert result.exit_code == 0, result.output
        assert "created official off@example.kz" in result.output
        with scratch_db.session() as session:
            user = session.exec(select(User).where(User.email == "off@example.kz")).one()
            members = session.exec(select(BodyMember).where(BodyMember.user_id == user.id)).all()
        assert [m.body_id for m in members] == [body_id]

    def test_unknown_body_creates_nothing(self, scratch_db: Database) -> None:
        result = _create("nobody@example.kz", "--role", "official", "--body", "no-such-body")
        assert result.exit_code == 1
        assert "There is no body 'no-such-body'" in result.output
        with scratch_db.session() as session:
            assert (
                session.exec(select(User).where(User.email == "nobody@example.kz")).first() is None
            )

    def test_body_only_for_officials_and_cooperatives(self, scratch_db: Database) -> None:
        with scratch_db.write_session() as session:
            body_id = new_body(session).id
        result = _create("insp2@example.kz", "--role", "inspector", "--body", body_id)
        assert result.exit_code == 1
        assert "leave out --body" in result.output

    def test_official_without_body(self, scratch_db: Database) -> None:
        result = _create("off2@example.kz", "--role", "official")
        assert result.exit_code == 0, result.output
