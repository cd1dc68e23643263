"""The one scope rule (app/accounts/scope.py): every role against yards, micro-districts and
districts, asked one place at a time and as a query filter, which must agree."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from app.accounts import service as accounts_service
from app.accounts.models import User, UserDistrict, UserMicroDistrict, UserRole, UserYard
from app.accounts.scope import Scope
from app.districts.models import District, MicroDistrict
from app.yards.models import Yard
from tests.accounts.support import new_email

ROLES = ("admin", "city_inspector", "inspector_in", "inspector_out", "cooperative", "anonymous")


@dataclass(frozen=True)
class World:
    """Three districts: ``d_in`` (the inspector's), ``d_out`` (holding one micro-district
    linked to the inspector directly, ``m_linked``, and another, ``m_out``), ``d_other``
    (the other inspector's, holding none of the yards)."""

    d_in: str
    d_out: str
    d_other: str
    m_in: str
    m_linked: str
    m_out: str
    yards: dict[str, Yard]  # y_in, y_linked, y_out, y_coop (the cooperative's, in m_out)
    scopes: dict[str, Scope]


def _micro_districts_of(session: Session, district_id: str) -> list[str]:
    return list(
        session.exec(
            select(MicroDistrict.id)
            .where(MicroDistrict.district_id == district_id)
            .order_by(col(MicroDistrict.id))
        ).scalars()
    )


def _user(session: Session, role: UserRole, links: accounts_service.Links) -> User:
    """A user and its link rows, stored as the accounts service stores them (no password
    hash: these users never log in, and hashing made every test a second slower)."""
    user = User(
        email=new_email(role.value),
        name="x",
        role=role.value,
        password_hash="-",
        city_wide=links.city_wide,
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    session.add_all(
        [UserDistrict(user_id=user.id, district_id=d) for d in links.district_ids]
        + [
            UserMicroDistrict(user_id=user.id, micro_district_id=m)
            for m in links.micro_district_ids
        ]
        + [UserYard(user_id=user.id, yard_id=y) for y in links.yard_ids]
    )
    session.flush()
    return user


def _yard(session: Session, district_id: str, micro_district_id: str) -> Yard:
    yard = Yard(lat=43.25, lon=76.95, district_id=district_id, micro_district_id=micro_district_id)
    session.add(yard)
    session.flush()
    return yard


@pytest.fixture
def world(session: Session) -> World:
    d_in, d_out, d_other = list(
        session.exec(select(District.id).order_by(col(District.id))).scalars()
    )[:3]
    m_in = _micro_districts_of(session, d_in)[0]
    m_linked, m_out = _micro_districts_of(session, d_out)[:2]
    yards = {
        "y_in": _yard(session, d_in, m_in),
        "y_linked": _yard(session, d_out, m_linked),
        "y_out": _yard(session, d_out, m_out),
        "y_coop": _yard(session, d_out, m_out),
    }
    y_coop = yards["y_coop"].id
    assert y_coop is not None
    users: dict[str, User | None] = {
        "admin": _user(session, UserRole.admin, accounts_service.Links([], [], [])),
        "city_inspector": _user(
            session, UserRole.inspector, accounts_service.Links([], [], [], city_wide=True)
        ),
        "inspector_in": _user(
            session, UserRole.inspector, accounts_service.Links([d_in], [m_linked], [])
        ),
        "inspector_out": _user(
            session, UserRole.inspector, accounts_service.Links([d_other], [], [])
        ),
        "cooperative": _user(
            session, UserRole.cooperative, accounts_service.Links([], [], [y_coop])
        ),
        "anonymous": None,
    }
    scopes = {name: Scope.of(session, user) for name, user in users.items()}
    return World(d_in, d_out, d_other, m_in, m_linked, m_out, yards, scopes)


# What each role may see, by the World's names (everything not listed: no).
SEES: dict[str, set[str]] = {
    "admin": {"y_in", "y_linked", "y_out", "y_coop", "m_in", "m_linked", "m_out", "d_in", "d_out"},
    "city_inspector": {
        *("y_in", "y_linked", "y_out", "y_coop"),
        *("m_in", "m_linked", "m_out", "d_in", "d_out"),
    },
    # Its district and everything in it; a micro-district linked directly, but not that
    # micro-district's district (a district's monthly summary needs the whole district).
    "inspector_in": {"y_in", "y_linked", "m_in", "m_linked", "d_in"},
    "inspector_out": set(),
    # Its own yard only: not the yard's micro-district or district.
    "cooperative": {"y_coop"},
    "anonymous": set(),
}


def _expected(role: str, names: tuple[str, ...]) -> set[str]:
    return {n for n in names if n in SEES[role]}


YARDS = ("y_in", "y_linked", "y_out", "y_coop")
MICROS = ("m_in", "m_linked", "m_out")
DISTRICTS = ("d_in", "d_out")


class TestBuiltFromTheUser:
    def test_what_each_role_is_linked_to(self, world: World) -> None:
        s = world.scopes
        assert s["admin"] == Scope(role=UserRole.admin, city_wide=True)
        assert s["city_inspector"] == Scope(role=UserRole.inspector, city_wide=True)
        assert s["inspector_in"] == Scope(
            role=UserRole.inspector,
            district_ids=frozenset({world.d_in}),
            micro_district_ids=frozenset({world.m_linked}),
        )
        assert s["cooperative"] == Scope(
            role=UserRole.cooperative, yard_ids=frozenset({world.yards["y_coop"].id})
        )
        assert s["anonymous"] == Scope()

    def test_from_an_account_the_admin_created(self, session: Session, world: World) -> None:
        user = accounts_service.create_user(
            session,
            email=new_email("inspector"),
            name="x",
            role=UserRole.inspector,
            password="a long enough password",
            links=accounts_service.Links([world.d_in], [world.m_linked], []),
        )
        assert Scope.of(session, user) == world.scopes["inspector_in"]

    def test_links_that_do_not_fit_the_role_count_for_nothing(self, session: Session) -> None:
        # An inspector turned cooperative keeps old links in the table until an admin
        # removes them; the cooperative's scope must not inherit the inspector's areas.
        user = _user(session, UserRole.inspector, accounts_service.Links(["almaly"], [], []))
        user.role = UserRole.cooperative.value
        assert Scope.of(session, user) == Scope(role=UserRole.cooperative)


@pytest.mark.parametrize("role", ROLES)
class TestPredicates:
    def test_yards(self, world: World, role: str) -> None:
        scope = world.scopes[role]
        seen = {name for name in YARDS if scope.may_see_yard(world.yards[name])}
        assert seen == _expected(role, YARDS)

    def test_micro_districts(self, world: World, role: str) -> None:
        scope = world.scopes[role]
        district = {"m_in": world.d_in, "m_linked": world.d_out, "m_out": world.d_out}
        seen = {
            name
            for name in MICROS
            if scope.may_see_area(
                micro_district_id=getattr(world, name), district_id=district[name]
            )
        }
        assert seen == _expected(role, MICROS)

    def test_districts(self, world: World, role: str) -> None:
        scope = world.scopes[role]
        seen = {name for name in DISTRICTS if scope.may_see_district(getattr(world, name))}
        assert seen == _expected(role, DISTRICTS)

    def test_area_aggregates_are_city_wide_for_all_staff(self, world: World, role: str) -> None:
        staff = role in ("admin", "city_inspector", "inspector_in", "inspector_out")
        assert world.scopes[role].may_see_area_aggregates is staff


@pytest.mark.parametrize("role", ROLES)
class TestFilter:
    """The same answers from the database, by ``Scope.filter``."""

    def test_yards(self, session: Session, world: World, role: str) -> None:
        by_id = {y.id: name for name, y in world.yards.items()}
        query = world.scopes[role].filter(
            select(Yard.id).where(col(Yard.id).in_(list(by_id))),
            district_column=Yard.district_id,
            micro_district_column=Yard.micro_district_id,
            yard_column=Yard.id,
        )
        assert {by_id[i] for i in session.exec(query).scalars()} == _expected(role, YARDS)

    def test_micro_districts(self, session: Session, world: World, role: str) -> None:
        by_id = {getattr(world, name): name for name in MICROS}
        query = world.scopes[role].filter(
            select(MicroDistrict.id).where(col(MicroDistrict.id).in_(list(by_id))),
            district_column=MicroDistrict.district_id,
            micro_district_column=MicroDistrict.id,
        )
        assert {by_id[i] for i in session.exec(query).scalars()} == _expected(role, MICROS)

    def test_districts(self, session: Session, world: World, role: str) -> None:
        by_id = {getattr(world, name): name for name in DISTRICTS}
        query = world.scopes[role].filter(
            select(District.id).where(col(District.id).in_(list(by_id))),
            district_column=District.id,
        )
        assert {by_id[i] for i in session.exec(query).scalars()} == _expected(role, DISTRICTS)

    def test_agrees_with_the_predicate_on_every_yard_of_a_district(
        self, session: Session, world: World, role: str
    ) -> None:
        scope = world.scopes[role]
        base = select(Yard).where(col(Yard.district_id).in_([world.d_in, world.d_out]))
        every = session.exec(base).scalars().all()
        kept = session.exec(
            scope.filter(
                base,
                district_column=Yard.district_id,
                micro_district_column=Yard.micro_district_id,
                yard_column=Yard.id,
            )
        ).scalars()
        assert {y.id for y in kept} == {y.id for y in every if scope.may_see_yard(y)}


class TestFilterEdges:
    def test_a_column_left_out_grants_nothing(self, session: Session, world: World) -> None:
        # Without the yard column the cooperative's yard cannot be told apart: no row.
        coop = world.scopes["cooperative"]
        query = coop.filter(
            select(Yard.id).where(Yard.id == world.yards["y_coop"].id),
            district_column=Yard.district_id,
            micro_district_column=Yard.micro_district_id,
        )
        assert session.exec(query).scalars().all() == []
        # Without the micro-district column only whole districts count.
        inspector = world.scopes["inspector_in"]
        query = inspector.filter(
            select(Yard.id).where(Yard.id == world.yards["y_linked"].id),
            district_column=Yard.district_id,
        )
        assert session.exec(query).scalars().all() == []

    def test_city_wide_leaves_the_query_as_it_was(self, world: World) -> None:
        query = select(Yard.id)
        assert world.scopes["admin"].filter(query, district_column=Yard.district_id) is query


@pytest.mark.parametrize("role", ROLES)
def test_audits_are_recorded_only_in_an_inspectors_scope(world: World, role: str) -> None:
    """An inspector's checklist is an official audit: only within their scope. Anyone else's
    is not an audit, and no place limits it."""
    scope = world.scopes[role]
    recorded = {name for name in YARDS if scope.may_record_audit(world.yards[name])}
    expected = _expected(role, YARDS) if role.startswith("inspector") else set(YARDS)
    assert recorded == expected
