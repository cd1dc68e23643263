"""Staff on a yard's page: who may name the yard (and so sees the address its first sender
typed), and setting the name.

Admins may name any yard; inspectors the yards their scope covers. Housing cooperatives and
residents may not: a public name is what everyone reads on the yard's page and reports.
"""

from __future__ import annotations

from sqlmodel import Session

from app.accounts.scope import Scope
from app.channels.web.auth_deps import Forbidden
from app.districts.models import District
from app.platform.db import Database, parse_row_id
from app.platform.errors import NotFound
from app.platform.translations import current_lang, gettext
from app.yards import naming
from app.yards import service as yards_service
from app.yards.models import Yard


def may_name(scope: Scope, yard: Yard) -> bool:
    """Whether the user of ``scope`` may set the yard's public name (admins, inspectors
    whose scope holds it; a cooperative never, not even its own yard)."""
    return scope.is_staff and scope.may_see_yard(yard)


def yard_to_name(session: Session, scope: Scope, yard_id: str) -> Yard:
    """The yard the user of ``scope`` is about to name. Raises Forbidden (naming the yard's
    area when it lies outside an inspector's scope) or NotFound (for those who may name any
    yard)."""
    if not scope.is_staff:
        raise Forbidden(gettext("Only administrators and inspectors may name a yard."))
    row_id = parse_row_id(yard_id)
    yard = session.get(Yard, row_id) if row_id is not None else None
    if yard is None:
        if scope.city_wide:
            raise NotFound(gettext("There is no yard no. %(id)s in SafeYard.", id=yard_id[:20]))
        # An inspector learns nothing about yards outside their scope, not even which exist.
        raise Forbidden(gettext("This yard is outside the areas your account covers."))
    if not may_name(scope, yard):
        district = session.get(District, yard.district_id)
        area = district.name(current_lang.get()) if district else yard.district_id
        if yard.micro_district_id:
            micro = gettext("micro-district %(id)s", id=yard.micro_district_id)
            area = f"{area}, {micro}"
        raise Forbidden(
            gettext("This yard lies in %(area)s, outside the areas your account covers.", area=area)
        )
    return yard


def set_name(db: Database, *, yard_id: int, text: str, clear: bool) -> None:
    """Check and store the yard's public name (``clear``: remove it). Raises Invalid (422)
    for an empty, too long or unprintable name; nothing is stored then."""
    name = None if clear else naming.clean_public_name(text)
    with db.write_session() as session:
        yards_service.set_public_name(session, yard_id=yard_id, name=name)
