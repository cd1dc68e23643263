"""Checking bodies before they are stored: each record on its own, then the records together
with the bodies already stored (one body per district and item, one cooperative per yard).

Every problem is collected (``RecordProblem``), so a file is corrected in one pass.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlmodel import Session

from app.bodies.models import Body, BodyChannel, BodyItem, BodyKind, YardCooperative
from app.bodies.schemas import BodyRecord, RecordProblem
from app.checklists.loader import ChecklistRegistry
from app.districts.models import District
from app.platform.db import table_of
from app.platform.translations import gettext
from app.yards.models import Yard

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Deliberately plain: one @, no spaces, a dot in the domain (what a person types by mistake).
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()-]{4,38}$")
NAME_MAX = 200
DEADLINE_MIN, DEADLINE_MAX = 1, 365

_BODY = table_of(Body)
_ITEM = table_of(BodyItem)
_COOP = table_of(YardCooperative)
_YARD = table_of(Yard)
_DISTRICT = table_of(District)


def known_item_ids(registry: ChecklistRegistry) -> set[str]:
    """Item ids of every registered checklist version (a body may answer for an item that
    only an older version asks, while its findings are still open)."""
    ids: set[str] = set()
    for version in registry.versions:
        loaded = registry.get(version)
        if loaded is not None:
            ids.update(loaded.items_by_id)
    return ids


@dataclass
class _Stored:
    district_id: str | None
    kind: str
    active: bool
    items: set[str]


class Checker:
    """Collects the problems of a list of records."""

    def __init__(self, session: Session, *, registry: ChecklistRegistry) -> None:
        self.session = session
        self.items = known_item_ids(registry)
        self.districts = set(session.execute(select(_DISTRICT.c.id)).scalars())
        self.problems: list[RecordProblem] = []

    def problem(self, index: int, record: BodyRecord, field: str, message: str) -> None:
        self.problems.append(RecordProblem(index, record.id, field, message))

    def check(self, records: list[BodyRecord]) -> list[RecordProblem]:
        seen: dict[str, int] = {}
        for index, record in enumerate(records, start=1):
            if record.id in seen:
                self.problem(
                    index,
                    record,
                    "id",
                    gettext(
                        "the id is used again by body no. %(other)s; each body appears once.",
                        other=seen[record.id],
                    ),
                )
            seen.setdefault(record.id, index)
            self._check_one(index, record)
        self._check_items_unique(records)
        self._check_yards(records)
        return sorted(self.problems, key=lambda p: p.index)

    def _check_one(self, index: int, r: BodyRecord) -> None:
        say = self.problem
        if not ID_PATTERN.match(r.id or ""):
            say(
                index,
                r,
                "id",
                gettext(
                    "an id is up to 64 lower-case Latin letters, digits, hyphens and underscores, "
                    "e.g. almaly-housing."
                ),
            )
        if r.kind not in BodyKind.__members__:
            say(
                index,
                r,
                "kind",
                gettext(
                    "“%(value)s” is not a kind of body; use one of: %(allowed)s.",
                    value=r.kind,
                    allowed=", ".join(BodyKind),
                ),
            )
        if r.channel not in BodyChannel.__members__:
            say(
                index,
                r,
                "channel",
                gettext(
                    "“%(value)s” is not a channel; use one of: %(allowed)s.",
                    value=r.channel,
                    allowed=", ".join(BodyChannel),
                ),
            )
        if r.district_id is not None and r.district_id not in self.districts:
            say(
                index,
                r,
                "district",
                gettext(
                    "there is no district “%(value)s”; use one of: %(allowed)s, or leave it "
                    "empty for a city-wide body.",
                    value=r.district_id,
                    allowed=", ".join(sorted(self.districts)),
                ),
            )
        if r.kind == BodyKind.cooperative and r.district_id is None:
            say(index, r, "district", gettext("a housing cooperative belongs to a district."))
        for name_field, value, required in (
            ("name_ru", r.name, True),
            ("name_kk", r.name_kk, False),
            ("name_en", r.name_en, False),
        ):
            if required and not value:
                say(index, r, name_field, gettext("the Russian name is required."))
            elif value and len(value) > NAME_MAX:
                say(
                    index,
                    r,
                    name_field,
                    gettext("a name is at most %(max)s characters.", max=NAME_MAX),
                )
        self._check_contacts(index, r)
        if not DEADLINE_MIN <= r.deadline_days <= DEADLINE_MAX:
            say(index, r, "deadline_days", _deadline_message(r.deadline_days))
        for item_id, days in (r.items or {}).items():
            if item_id not in self.items:
                say(
                    index,
                    r,
                    "items",
                    gettext(
                        "“%(item)s” is not an item of any checklist version; check the spelling "
                        "(e.g. lighting.at_night).",
                        item=item_id,
                    ),
                )
            if days is not None and not DEADLINE_MIN <= days <= DEADLINE_MAX:
                say(index, r, "items", f"{item_id}: {_deadline_message(days)}")
        if r.yards and r.kind != BodyKind.cooperative:
            say(
                index,
                r,
                "yards",
                gettext("only a housing cooperative (kind cooperative) keeps yards."),
            )

    def _check_contacts(self, index: int, r: BodyRecord) -> None:
        say = self.problem
        if r.email and not EMAIL_PATTERN.match(r.email):
            say(
                index,
                r,
                "email",
                gettext(
                    "“%(value)s” is not an e-mail address (like name@akimat.example).",
                    value=r.email,
                ),
            )
        elif r.channel == BodyChannel.email and not r.email:
            say(index, r, "email", gettext("the channel is e-mail: give the address."))
        if r.phone and not PHONE_PATTERN.match(r.phone):
            say(
                index,
                r,
                "phone",
                gettext(
                    "“%(value)s” is not a phone number (digits, spaces, brackets, hyphens, "
                    "an optional + first).",
                    value=r.phone,
                ),
            )
        elif r.channel == BodyChannel.phone and not r.phone:
            say(index, r, "phone", gettext("the channel is phone: give the number."))
        if r.channel == BodyChannel.eotinish and not r.eotinish_category:
            say(
                index,
                r,
                "eotinish_category",
                gettext("the channel is eOtinish: give the category to file under."),
            )

    def _stored(self, ids: list[str]) -> dict[str, _Stored]:
        """The stored bodies that can hold an item against another: every non-cooperative
        one, and the file's own (their items may be kept). Cooperatives (thousands, and
        never in the rule) are not read."""
        wanted = or_(_BODY.c.kind != BodyKind.cooperative, _BODY.c.id.in_(ids))
        stored: dict[str, _Stored] = {}
        for row in self.session.execute(
            select(_BODY.c.id, _BODY.c.district_id, _BODY.c.kind, _BODY.c.active).where(wanted)
        ):
            stored[row.id] = _Stored(row.district_id, row.kind, bool(row.active), set())
        for body_id, item_id in self.session.execute(
            select(_ITEM.c.body_id, _ITEM.c.item_id)
            .join(_BODY, _BODY.c.id == _ITEM.c.body_id)
            .where(wanted)
        ):
            stored[body_id].items.add(item_id)
        return stored

    def _check_items_unique(self, records: list[BodyRecord]) -> None:
        """Among the active non-cooperative bodies of one district (and among the city-wide
        ones) an item has one body: the file's records as they will be, over the stored."""
        final = self._stored([r.id for r in records])
        index_of: dict[str, tuple[int, BodyRecord]] = {}
        for index, r in enumerate(records, start=1):
            if r.id in index_of:
                continue
            index_of[r.id] = (index, r)
            kept = final.get(r.id)
            items = set(r.items) if r.items is not None else (kept.items if kept else set())
            final[r.id] = _Stored(r.district_id, r.kind, r.active, items)
        holders: dict[tuple[str | None, str], list[str]] = defaultdict(list)
        for body_id, body in sorted(final.items()):
            if body.kind == BodyKind.cooperative or not body.active:
                continue
            for item_id in body.items:
                holders[(body.district_id, item_id)].append(body_id)
        for (district_id, item_id), body_ids in sorted(
            holders.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])
        ):
            if len(body_ids) < 2:
                continue
            for body_id in body_ids:
                if body_id not in index_of:
                    continue
                index, r = index_of[body_id]
                others = ", ".join(b for b in body_ids if b != body_id)
                where = (
                    gettext("district “%(district)s”", district=district_id)
                    if district_id
                    else gettext("the city-wide bodies")
                )
                self.problem(
                    index,
                    r,
                    "items",
                    gettext(
                        "“%(item)s” already has a body in %(where)s: %(others)s. An item has "
                        "one body per district: remove it from one of them.",
                        item=item_id,
                        where=where,
                        others=others,
                    ),
                )

    def _check_yards(self, records: list[BodyRecord]) -> None:
        wanted = {y for r in records for y in (r.yards or [])}
        if not wanted:
            return
        yard_district = dict(
            self.session.execute(
                select(_YARD.c.id, _YARD.c.district_id).where(_YARD.c.id.in_(wanted))
            ).all()
        )
        keeper = dict(
            self.session.execute(
                select(_COOP.c.yard_id, _COOP.c.body_id).where(_COOP.c.yard_id.in_(wanted))
            ).all()
        )
        replaced = {r.id for r in records if r.yards is not None}
        # Yards stored as another cooperative's, unless the file gives that one a new list.
        claimed: dict[int, str] = {y: b for y, b in keeper.items() if b not in replaced}
        for index, r in enumerate(records, start=1):
            for yard_id in r.yards or []:
                if yard_id not in yard_district:
                    self.problem(
                        index, r, "yards", gettext("there is no yard no. %(id)s.", id=yard_id)
                    )
                    continue
                if r.district_id and yard_district[yard_id] != r.district_id:
                    self.problem(
                        index,
                        r,
                        "yards",
                        gettext(
                            "yard no. %(id)s is in district “%(district)s”, not in the "
                            "cooperative's.",
                            id=yard_id,
                            district=yard_district[yard_id],
                        ),
                    )
                other = claimed.get(yard_id)
                if other is not None and other != r.id:
                    self.problem(
                        index,
                        r,
                        "yards",
                        gettext(
                            "yard no. %(id)s is already kept by “%(other)s”; a yard has at "
                            "most one cooperative.",
                            id=yard_id,
                            other=other,
                        ),
                    )
                else:
                    claimed[yard_id] = r.id


def _deadline_message(days: int) -> str:
    return gettext(
        "a deadline is %(min)s to %(max)s days, not %(value)s.",
        min=DEADLINE_MIN,
        max=DEADLINE_MAX,
        value=days,
    )


def check_records(
    session: Session, *, records: list[BodyRecord], registry: ChecklistRegistry
) -> list[RecordProblem]:
    """Every problem of ``records`` on their own and with the stored bodies; [] when none."""
    return Checker(session, registry=registry).check(records)
