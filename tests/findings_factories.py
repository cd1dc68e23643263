"""Bodies, cooperative links and memberships for tests of the findings (in ``session``, not
committed: the caller commits or the fixture rolls back)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlmodel import Session

from app.bodies.models import Body, BodyItem, BodyKind, BodyMember, YardCooperative


def new_body(
    session: Session,
    *,
    district: str | None = "almaly",
    kind: BodyKind = BodyKind.akimat_housing,
    items: Iterable[str] = (),
    channel: str = "email",
    deadline_days: int = 30,
    item_deadlines: dict[str, int] | None = None,
    name: str | None = None,
) -> Body:
    """A body with a unique id answering for ``items``."""
    body_id = f"test-{kind.value}-{uuid.uuid4().hex[:8]}"
    body = Body(
        id=body_id,
        district_id=district,
        kind=kind,
        name=name or f"Тест {kind.value}",
        name_kk=f"Тест {kind.value}",
        name_en=f"Test {kind.value}",
        channel=channel,
        email=f"{body_id}@bodies.example",
        deadline_days=deadline_days,
        synthetic=True,
    )
    session.add(body)
    session.flush()
    for item_id in items:
        session.add(
            BodyItem(
                body_id=body_id,
                item_id=item_id,
                deadline_days=(item_deadlines or {}).get(item_id),
            )
        )
    session.flush()
    return body


def link_cooperative(session: Session, *, yard_id: int, body_id: str) -> None:
    session.add(YardCooperative(yard_id=yard_id, body_id=body_id))
    session.flush()


def add_member(session: Session, *, body_id: str, user_id: int) -> None:
    session.add(BodyMember(body_id=body_id, user_id=user_id))
    session.flush()
