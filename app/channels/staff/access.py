"""Where an inspector may look, checked the same way by the inspectors' API and pages.

The rule (README, "For inspectors"): area figures (the choropleth, the district table, the
areas export) are aggregates and cover the whole city for every inspector, so borders and
neighbours are in view; yard-level details (an area's panel and worst yards, yard markers,
the yards export, a district's monthly summary) only within the inspector's districts or
micro-districts. Admins and city-wide inspectors see everything.
"""

from __future__ import annotations

from app.accounts.service import Scope
from app.channels.staff.map_views import in_scope
from app.channels.web.auth_deps import Forbidden
from app.platform.translations import gettext


def require_district(scope: Scope, district_id: str) -> None:
    if not in_scope(scope, district_id=district_id):
        raise Forbidden(
            gettext(
                "District %(district)s is outside the area your account covers. Ask an "
                "administrator to link it to your account.",
                district=district_id,
            )
        )


def require_area(scope: Scope, *, district_id: str | None, micro_district_id: str) -> None:
    if not in_scope(scope, district_id=district_id, micro_district_id=micro_district_id):
        raise Forbidden(
            gettext(
                "Micro-district %(area)s is outside the area your account covers. Ask an "
                "administrator to link it to your account.",
                area=micro_district_id,
            )
        )
