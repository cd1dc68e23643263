"""The responsible bodies: list, read, check and store them (from a file or the admin's form),
and the accounts that act for them. Functions never commit: the caller's transaction does."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session, col

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.bodies.models import Body, BodyItem, BodyMember, YardCooperative
from app.bodies.schemas import BodiesInvalid, BodyRecord, UpsertResult
from app.bodies.validation import check_records
from app.checklists.loader import ChecklistRegistry
from app.platform.db import table_of, utcnow
from app.platform.errors import Invalid, NotFound
from app.platform.translations import gettext

_BODY = table_of(Body)
_ITEM = table_of(BodyItem)
_COOP = table_of(YardCooperative)
_MEMBER = table_of(BodyMember)
# The columns a record sets, as (record attribute, Body attribute).
_FIELDS = (
    ("district_id", "district_id"),
    ("kind", "kind"),
    ("name", "name"),
    ("name_kk", "name_kk"),
    ("name_en", "name_en"),
    ("channel", "channel"),
    ("email", "email"),
    ("phone", "phone"),
    ("eotinish_category", "eotinish_category"),
    ("deadline_days", "deadline_days"),
    ("active", "active"),
    ("synthetic", "synthetic"),
)


@dataclass(frozen=True)
class BodyRow:
    """A line of the bodies list."""

    body: Body
    items: int
    yards: int


def list_bodies(
    session: Session,
    *,
    district_id: str | None = None,
    city_wide: bool = False,
    kind: str | None = None,
    channel: str | None = None,
) -> list[BodyRow]:
    """Bodies by district (city-wide ones first), kind and id, with their item and yard counts;
    filtered by district (``city_wide``: those of no district), kind and channel."""
    items = select(_ITEM.c.body_id, func.count().label("n")).group_by(_ITEM.c.body_id).subquery()
    yards = select(_COOP.c.body_id, func.count().label("n")).group_by(_COOP.c.body_id).subquery()
    query = (
        select(Body, func.coalesce(items.c.n, 0), func.coalesce(yards.c.n, 0))
        .outerjoin(items, items.c.body_id == _BODY.c.id)
        .outerjoin(yards, yards.c.body_id == _BODY.c.id)
    )
    if city_wide:
        query = query.where(_BODY.c.district_id.is_(None))
    elif district_id:
        query = query.where(_BODY.c.district_id == district_id)
    if kind:
        query = query.where(_BODY.c.kind == kind)
    if channel:
        query = query.where(_BODY.c.channel == channel)
    rows = session.execute(query).all()
    found = [BodyRow(body=b, items=int(n), yards=int(y)) for b, n, y in rows]
    return sorted(found, key=lambda r: (r.body.district_id or "", r.body.kind, r.body.id))


def get_body(session: Session, *, body_id: str) -> Body:
    body = session.get(Body, body_id)
    if body is None:
        raise NotFound(gettext("There is no body “%(id)s”.", id=body_id))
    return body


def items_of(session: Session, *, body_id: str) -> dict[str, int | None]:
    """The items a body answers for, each with its own deadline (None: the body's)."""
    rows = session.execute(
        select(_ITEM.c.item_id, _ITEM.c.deadline_days)
        .where(_ITEM.c.body_id == body_id)
        .order_by(_ITEM.c.item_id)
    )
    return {item_id: days for item_id, days in rows}


def yards_of(session: Session, *, body_id: str) -> list[int]:
    """The yards a cooperative keeps, by number."""
    rows = session.execute(
        select(_COOP.c.yard_id).where(_COOP.c.body_id == body_id).order_by(_COOP.c.yard_id)
    )
    return list(rows.scalars())


def record_of(session: Session, *, body: Body) -> BodyRecord:
    """A stored body as a record (what the edit form starts from)."""
    return BodyRecord(
        id=body.id,
        **{attr: getattr(body, column) for attr, column in _FIELDS},
        items=items_of(session, body_id=body.id),
        yards=yards_of(session, body_id=body.id),
    )


def upsert_bodies(
    session: Session, *, records: list[BodyRecord], registry: ChecklistRegistry
) -> UpsertResult:
    """Check ``records`` together with the stored bodies, then create or update each by id:
    its fields, its items (replaced when the record lists them) and a cooperative's yards
    (likewise). Bodies the records do not name are left alone; nothing is deleted.

    Raises BodiesInvalid with every problem found, before anything is changed."""
    problems = check_records(session, records=records, registry=registry)
    if problems:
        raise BodiesInvalid(problems)
    result = UpsertResult()
    now = utcnow()
    changed_items: list[BodyRecord] = []
    changed_yards: list[BodyRecord] = []
    for record in records:
        body = session.get(Body, record.id)
        fresh = body is None
        if body is None:
            body = Body(id=record.id, kind=record.kind, name=record.name)
        changed = fresh
        for attr, column in _FIELDS:
            value = getattr(record, attr)
            if getattr(body, column) != value:
                setattr(body, column, value)
                changed = True
        if record.items is not None and (
            fresh or items_of(session, body_id=record.id) != record.items
        ):
            changed_items.append(record)
            changed = True
        if record.yards is not None and (
            fresh or set(yards_of(session, body_id=record.id)) != set(record.yards)
        ):
            changed_yards.append(record)
            changed = True
        if changed:
            body.updated_at = now
            session.add(body)
        (result.created if fresh else result.updated if changed else result.unchanged).append(
            record.id
        )
    session.flush()
    for record in changed_items:
        session.execute(delete(_ITEM).where(_ITEM.c.body_id == record.id))
    # Every old link goes first: a yard may move from one cooperative of the file to another.
    for record in changed_yards:
        session.execute(delete(_COOP).where(_COOP.c.body_id == record.id))
    for record in changed_items:
        if record.items:
            session.execute(
                insert(_ITEM),
                [
                    {"body_id": record.id, "item_id": item_id, "deadline_days": days}
                    for item_id, days in record.items.items()
                ],
            )
    for record in changed_yards:
        if record.yards:
            session.execute(
                insert(_COOP),
                [{"yard_id": yard_id, "body_id": record.id} for yard_id in set(record.yards)],
            )
    return result


# --- Members --------------------------------------------------------------------------------

MEMBER_ROLES = (UserRole.official, UserRole.cooperative)


def members_of(session: Session, *, body_id: str) -> list[User]:
    rows = session.execute(
        select(User)
        .join(_MEMBER, _MEMBER.c.user_id == User.id)
        .where(_MEMBER.c.body_id == body_id)
        .order_by(col(User.email))
    )
    return list(rows.scalars())


def add_member(session: Session, *, body_id: str, email: str) -> User:
    """Let an existing account (an official's or a cooperative's) act for the body."""
    get_body(session, body_id=body_id)
    user = accounts_service.find_user(session, email)
    if user is None:
        raise Invalid(
            gettext(
                "There is no account with the e-mail “%(email)s”. Create it on the Users page "
                "first (role official or housing cooperative).",
                email=email,
            )
        )
    if user.role not in MEMBER_ROLES:
        raise Invalid(
            gettext(
                "%(email)s is not an official's or a cooperative's account; only those act "
                "for a body.",
                email=user.email,
            )
        )
    assert user.id is not None
    if session.get(BodyMember, (body_id, user.id)) is None:
        session.add(BodyMember(body_id=body_id, user_id=user.id))
        session.flush()
    return user


def remove_member(session: Session, *, body_id: str, user_id: int) -> None:
    session.execute(
        delete(_MEMBER).where(_MEMBER.c.body_id == body_id, _MEMBER.c.user_id == user_id)
    )
