"""Who may see what, once: the one rule for yards, micro-districts and districts.

A ``Scope`` is built from a user once per request (``Scope.of``) and asked by every page,
API, export and report: a predicate for one place (``may_see_yard``, ``may_see_area``,
``may_see_district``) or a restriction of a query (``filter``).

- an admin, or a city-wide inspector: the whole city;
- an inspector: the districts and micro-districts an admin linked to the account (a
  micro-district is in scope directly or through its district);
- a housing cooperative: the yards linked to it;
- an official (staff of a responsible body): no yard, no area; what it sees of its body's
  findings comes from its body membership (``app.findings.permissions.Actor``), not the scope;
- a resident (no account): the public pages only, nothing here.

Area figures are the exception, on purpose: they are aggregates of the whole city, and every
inspector and admin sees all of them, so neighbouring areas and district borders stay in view
(``may_see_area_aggregates``; README, "For inspectors"). Everything about single yards (an
area's panel and worst yards, yard markers, the yards export, monthly summaries and reports,
photos to moderate) follows the scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import Session

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole

Query = TypeVar("Query", bound=Any)


class Place(Protocol):
    """A yard as the scope sees it: its id and where it lies."""

    @property
    def id(self) -> int | None: ...
    @property
    def district_id(self) -> str: ...
    @property
    def micro_district_id(self) -> str | None: ...


@dataclass(frozen=True)
class Scope:
    """What one user may see beyond the public pages. Immutable; ``role`` None is a resident."""

    role: UserRole | None = None
    city_wide: bool = False
    district_ids: frozenset[str] = frozenset()
    micro_district_ids: frozenset[str] = frozenset()
    yard_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, session: Session, user: User | None) -> Scope:
        """The scope of ``user`` (None: a resident). Reads the account's links: build it once
        per request (``ScopeDep``)."""
        if user is None:
            return cls()
        role = UserRole(user.role)
        if role == UserRole.admin or (role == UserRole.inspector and user.city_wide):
            return cls(role=role, city_wide=True)
        links = accounts_service.links_of(session, user)
        if role == UserRole.official:
            return cls(role=role)
        # Only the links that fit the role count (the accounts service refuses others).
        if role == UserRole.inspector:
            return cls(
                role=role,
                district_ids=frozenset(links.district_ids),
                micro_district_ids=frozenset(links.micro_district_ids),
            )
        return cls(role=role, yard_ids=frozenset(links.yard_ids))

    @property
    def is_staff(self) -> bool:
        """Inspectors and admins: the staff pages and APIs are theirs (not officials or
        cooperatives, who have pages of their own)."""
        return self.role in (UserRole.inspector, UserRole.admin)

    @property
    def may_see_area_aggregates(self) -> bool:
        """Area figures (the map's colours, the district table, ``areas.csv``) are aggregates
        of the whole city: every inspector and admin sees every district's and micro-district's,
        whatever their scope, so borders and neighbours are in view. Not yard-level data."""
        return self.is_staff

    def may_see_district(self, district_id: str) -> bool:
        """The district's yard-level details (its monthly summary and report): the whole
        district must be in scope; a few of its micro-districts are not enough."""
        return self.city_wide or district_id in self.district_ids

    def may_see_area(self, *, micro_district_id: str | None, district_id: str | None) -> bool:
        """A micro-district's yard-level details: in scope directly or through its district."""
        return (
            self.city_wide
            or (district_id is not None and district_id in self.district_ids)
            or (micro_district_id is not None and micro_district_id in self.micro_district_ids)
        )

    def may_see_yard(self, yard: Place) -> bool:
        """A yard's staff details (its report, its first sender's address): a yard of the
        scope's areas, or one linked to the cooperative."""
        return (
            self.may_see_area(
                micro_district_id=yard.micro_district_id, district_id=yard.district_id
            )
            or yard.id in self.yard_ids
        )

    def may_record_audit(self, yard: Place) -> bool:
        """Whether this user's checklist of ``yard`` may be stored. An inspector's checklist is
        an official audit (it outranks residents'), so only within their scope; anyone else's
        is not an audit, and no place limits it."""
        return self.role != UserRole.inspector or self.may_see_yard(yard)

    def clause(
        self,
        *,
        district_column: Any,
        micro_district_column: Any = None,
        yard_column: Any = None,
    ) -> ColumnElement[bool]:
        """The SQL condition "this row is in scope", for rows placed by these columns. A
        column left out grants nothing: without ``yard_column`` a cooperative sees no row."""
        if self.city_wide:
            return true()
        allowed = []
        if self.district_ids:
            allowed.append(district_column.in_(sorted(self.district_ids)))
        if micro_district_column is not None and self.micro_district_ids:
            allowed.append(micro_district_column.in_(sorted(self.micro_district_ids)))
        if yard_column is not None and self.yard_ids:
            allowed.append(yard_column.in_(sorted(self.yard_ids)))
        return or_(*allowed) if allowed else false()

    def filter(
        self,
        query: Query,
        *,
        district_column: Any,
        micro_district_column: Any = None,
        yard_column: Any = None,
    ) -> Query:
        """``query`` (a select) restricted to the rows in scope (see ``clause``)."""
        if self.city_wide:
            return query
        return query.where(
            self.clause(
                district_column=district_column,
                micro_district_column=micro_district_column,
                yard_column=yard_column,
            )
        )
