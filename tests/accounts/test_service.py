"""The accounts service: an inspector's scope, and links that must fit the role."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.districts.models import MicroDistrict
from app.platform.errors import Conflict, Invalid
from tests.accounts.support import PASSWORD, new_email

NO_LINKS = accounts_service.Links([], [], [])


def make(session: Session, role: UserRole, links: accounts_service.Links = NO_LINKS):  # type: ignore[no-untyped-def]
    return accounts_service.create_user(
        session, email=new_email(), name="x", role=role, password=PASSWORD, links=links
    )


class TestInspectorScope:
    def test_district_and_micro_district(self, session: Session) -> None:
        micro = session.exec(select(MicroDistrict.id).limit(1)).first()
        links = accounts_service.Links(["almaly"], [micro] if micro else [], [])
        scope = accounts_service.inspector_scope(session, make(session, UserRole.inspector, links))
        assert scope == accounts_service.Scope(
            False, frozenset({"almaly"}), frozenset([micro] if micro else [])
        )

    def test_city_wide_and_admin(self, session: Session) -> None:
        city = accounts_service.Links([], [], [], city_wide=True)
        assert accounts_service.inspector_scope(
            session, make(session, UserRole.inspector, city)
        ).city_wide
        assert accounts_service.inspector_scope(session, make(session, UserRole.admin)).city_wide

    def test_cooperative_sees_no_area(self, session: Session) -> None:
        scope = accounts_service.inspector_scope(session, make(session, UserRole.cooperative))
        assert not scope.city_wide and not scope.district_ids and not scope.micro_district_ids


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
