"""Which body a finding goes to: by item and district, as FixMyStreet routes a category to a
body's contact. The order, first match wins (bodies that said "not ours" are skipped):

1. the housing cooperative linked to the yard, if it answers for the item;
2. the body of the yard's district that answers for the item (one per district and item);
3. a city-wide body that answers for it (the operations centre, a city utility);
4. the district akimat itself, which answers for whatever nobody else takes.

A yard with no cooperative linked reaches step 2 for cooperative items: the district
akimat's housing department lists them (the bodies file does) and so receives them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select
from sqlmodel import Session

from app.bodies.models import Body, BodyChannel, BodyItem, BodyKind, YardCooperative
from app.platform.db import table_of
from app.platform.pipeline import Read, query

_BODY = table_of(Body)
_ITEM = table_of(BodyItem)
_COOP = table_of(YardCooperative)


# Built once (a statement per call cost more than running it): the active bodies that may
# take the yard's findings, each with the items it lists.
_COOP_OF_YARD = (
    select(_COOP.c.body_id).where(_COOP.c.yard_id == bindparam("yard_id")).scalar_subquery()
)
_CANDIDATES = (
    select(
        _BODY.c.id,
        _BODY.c.kind,
        _BODY.c.district_id,
        _BODY.c.deadline_days,
        _ITEM.c.item_id,
        _ITEM.c.deadline_days.label("item_days"),
        (_BODY.c.id == _COOP_OF_YARD).label("own_cooperative"),
        _BODY.c.channel,
    )
    .select_from(_BODY.outerjoin(_ITEM, _ITEM.c.body_id == _BODY.c.id))
    .where(
        _BODY.c.active.is_(True),
        or_(
            _BODY.c.id == _COOP_OF_YARD,
            and_(
                _BODY.c.kind != BodyKind.cooperative,
                or_(
                    _BODY.c.district_id == bindparam("district_id"),
                    _BODY.c.district_id.is_(None),
                ),
            ),
        ),
    )
    .order_by(_BODY.c.id)
)


@dataclass(frozen=True)
class Candidate:
    body_id: str
    kind: str
    district_id: str | None
    cooperative_of_yard: bool
    items: dict[str, int | None]  # item id -> the item's own deadline days (None: the body's)
    deadline_days: int
    channel: str = BodyChannel.email


@dataclass(frozen=True)
class Route:
    body_id: str | None
    deadline: timedelta | None  # None: no body, no deadline yet


class Router:
    """The bodies that may take one yard's findings, read once for all of them."""

    def __init__(self, candidates: list[Candidate], *, default_deadline_days: int) -> None:
        self._candidates = candidates
        self._default = default_deadline_days

    @classmethod
    def for_yard(
        cls, session: Session, *, yard_id: int, district_id: str, default_deadline_days: int
    ) -> Router:
        rows = (
            session.connection()
            .execute(_CANDIDATES, {"yard_id": yard_id, "district_id": district_id})
            .all()
        )
        return cls.of_rows(rows, default_deadline_days=default_deadline_days)

    @classmethod
    def of_rows(cls, rows: Iterable[Sequence[Any]], *, default_deadline_days: int) -> Router:
        """The router of ``_CANDIDATES``' rows (its columns in order), however they were read."""
        by_id: dict[str, Candidate] = {}
        for id_, kind, district_id, deadline_days, item_id, item_days, own, channel in rows:
            found = by_id.get(id_)
            if found is None:
                found = by_id[id_] = Candidate(
                    body_id=id_,
                    kind=kind,
                    district_id=district_id,
                    cooperative_of_yard=bool(own),
                    items={},
                    deadline_days=deadline_days,
                    channel=channel,
                )
            if item_id is not None:
                found.items[item_id] = item_days
        return cls(list(by_id.values()), default_deadline_days=default_deadline_days)

    @staticmethod
    def candidates_read(connection: Connection, *, yard_id: int, district_id: str) -> Read:
        """``for_yard``'s read as driver SQL, for ``pipeline.send_together`` (PostgreSQL);
        its rows for ``of_rows``."""
        return query(_CANDIDATES, connection.dialect).read(yard_id=yard_id, district_id=district_id)

    def may_mail(self, body_id: str) -> bool:
        """False when ``body_id`` is one of the candidates (active) and takes no e-mail: no
        "finding to its body" message goes to it (``notices.after_events``)."""
        for candidate in self._candidates:
            if candidate.body_id == body_id:
                return candidate.channel == BodyChannel.email
        return True

    def deadline_days(self, body_id: str, item_id: str) -> int:
        """The days ``body_id`` has for ``item_id``: the item's own, the body's, the default."""
        for candidate in self._candidates:
            if candidate.body_id == body_id:
                return candidate.items.get(item_id) or candidate.deadline_days or self._default
        return self._default

    def route(self, item_id: str, *, refused: Collection[str] = ()) -> Route:
        """The first candidate of the first step that takes ``item_id`` (module docstring)."""
        candidates = [c for c in self._candidates if c.body_id not in refused]
        for c in candidates:
            if c.cooperative_of_yard and item_id in c.items:
                return self._to(c, item_id)
        for c in candidates:
            if c.district_id is not None and not c.cooperative_of_yard and item_id in c.items:
                return self._to(c, item_id)
        for c in candidates:
            if c.district_id is None and item_id in c.items:
                return self._to(c, item_id)
        for c in candidates:
            if c.kind == BodyKind.akimat and c.district_id is not None:
                return self._to(c, item_id)
        return Route(None, None)

    def _to(self, candidate: Candidate, item_id: str) -> Route:
        days = candidate.items.get(item_id) or candidate.deadline_days
        return Route(candidate.body_id, timedelta(days=days or self._default))
