"""The inspectors' API and pages refuse a place outside the scope (app/accounts/scope.py)
with the same 403, naming the place and what to do."""

from __future__ import annotations

from app.accounts.scope import Scope
from app.channels.web.auth_deps import Forbidden
from app.districts.models import District
from app.platform.translations import current_lang, gettext


def require_district(scope: Scope, district: District) -> None:
    # The message names the district as people know it ("Алмалы ауданы"), never its id.
    if not scope.may_see_district(district.id):
        raise Forbidden(
            gettext(
                "District %(district)s is outside the area your account covers. Ask an "
                "administrator to link it to your account.",
                district=district.name(current_lang.get()),
            )
        )


def require_area(scope: Scope, *, district_id: str | None, micro_district_id: str) -> None:
    if not scope.may_see_area(district_id=district_id, micro_district_id=micro_district_id):
        raise Forbidden(
            gettext(
                "Micro-district %(area)s is outside the area your account covers. Ask an "
                "administrator to link it to your account.",
                area=micro_district_id,
            )
        )
