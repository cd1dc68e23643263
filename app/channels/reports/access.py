"""Who may download which report.

- A yard's report: the housing cooperatives linked to that yard, inspectors whose scope
  holds the yard's district or micro-district, admins.
- A submission's report: whoever holds the submission's id (the resident who sent it).
- A district's or micro-district's monthly report: inspectors in scope, admins.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole, UserYard


def may_download_yard(
    session: Session,
    user: User | None,
    *,
    yard_id: int,
    district_id: str,
    micro_district_id: str | None,
) -> bool:
    if user is None:
        return False
    if user.role == UserRole.admin:
        return True
    if user.role == UserRole.cooperative:
        link = session.exec(
            select(UserYard).where(UserYard.user_id == user.id, UserYard.yard_id == yard_id)
        ).first()
        return link is not None
    if user.role == UserRole.inspector:
        return in_scope(
            accounts_service.inspector_scope(session, user),
            district_id=district_id,
            micro_district_id=micro_district_id,
        )
    return False


def in_scope(
    scope: accounts_service.Scope, *, district_id: str | None, micro_district_id: str | None
) -> bool:
    """Whether an inspector's scope covers a district, or a micro-district (directly or
    through its district)."""
    if scope.city_wide:
        return True
    if micro_district_id is not None and micro_district_id in scope.micro_district_ids:
        return True
    return district_id is not None and district_id in scope.district_ids
