"""The accounts service: links that must fit the role (the scope: test_scope.py)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.platform.errors import Conflict, Invalid
from tests.accounts.support import PASSWORD, new_email

NO_LINKS = accounts_service.Links([], [], [])


def make(session: Session, role: UserRole, links: accounts_service.Links = NO_LINKS):  # type: ignore[no-untyped-def]
    return accounts_service.create_user(
        session, email=new_email(), name="x", role=role, password=PASSWORD, links=links
    )


class TestCreateUser:
    def test_duplicate_email_in_other_case(self, session: Session) -> None:
        user = make(session, UserRole.admin)
        with pytest.raises(Conflict):
            accounts_service.create_user(
                session,
                email=user.email.upper(),
                name="y",
                role=UserRole.admin,
                password=PASSWORD,
                links=NO_LINKS,
            )

    def test_links_must_fit_the_role(self, session: Session) -> None:
        with pytest.raises(Invalid, match="Only housing cooperatives"):
            make(session, UserRole.inspector, accounts_service.Links([], [], [1]))
        with pytest.raises(Invalid, match="Unknown: district atlantis"):
            make(session, UserRole.inspector, accounts_service.Links(["atlantis"], [], []))
