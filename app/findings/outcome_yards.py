"""Per yard, its risk index before its first finding and after its verification: did fixing
the findings make the yard safer by its own checklists?

For the yards of a district with a verification in the period: the index of the yard's last
scored submission at or before its first confirmed finding was opened (the submission that
found it counts: it shows the yard as it was), and of its first scored submission at or after its
latest verification in the period (the audit or check that verified it). Each is one
indexed look-up on ``submission(yard_id, received_at)``, never a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from app.findings.models import Finding, FindingEvent
from app.findings.outcomes import Period, in_period
from app.platform.db import table_of
from app.submissions.models import Submission
from app.yards import naming
from app.yards.models import Yard

_F = table_of(Finding)
_E = table_of(FindingEvent)
_S = table_of(Submission)
_Y = table_of(Yard)
YARDS_MAX = 200  # a district's month; the page says when there were more


@dataclass(frozen=True)
class YardChange:
    yard_id: int
    public_name: str | None
    micro_district_id: str | None
    first_found_at: datetime | None
    verified_at: datetime
    verified: int  # verifications of the yard's findings in the period
    before: float | None  # None: no scored submission by then
    after: float | None

    @property
    def name(self) -> str:
        return naming.public_title(yard_id=self.yard_id, public_name=self.public_name)

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def as_dict(self) -> dict[str, Any]:
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {
            "yard_id": self.yard_id,
            "name": self.name,
            "micro_district_id": self.micro_district_id,
            "verified": self.verified,
            "risk_before": r(self.before),
            "risk_after": r(self.after),
            "change": r(self.change),
        }


def _index(yard_id: Any, moment: Any, *, before: bool) -> Any:
    """The risk index of the yard's last submission at or before ``moment`` (``before``), or
    its first at or after it: a correlated look-up on the (yard_id, received_at) index."""
    when = _S.c.received_at <= moment if before else _S.c.received_at >= moment
    order = _S.c.received_at.desc() if before else _S.c.received_at.asc()
    return (
        select(_S.c.risk_index)
        .where(_S.c.yard_id == yard_id, when, _S.c.risk_index.is_not(None))
        .order_by(order)
        .limit(1)
        .scalar_subquery()
    )


def yard_changes(
    session: Session, *, district_id: str, period: Period, limit: int = YARDS_MAX
) -> list[YardChange]:
    """The district's yards with a verification in ``period``, most verifications first."""
    verified = (
        select(
            _F.c.yard_id.label("yard_id"),
            func.max(_E.c.at).label("verified_at"),
            func.count().label("verified"),
        )
        .select_from(_E.join(_F, _F.c.id == _E.c.finding_id))
        .where(
            _F.c.district_id == district_id, _E.c.action == "verified", in_period(_E.c.at, period)
        )
        .group_by(_F.c.yard_id)
        .subquery()
    )
    # The yard's first finding: the earliest opening of a finding that was confirmed (one
    # reopened later keeps its first opening date).
    first = (
        select(func.min(_F.c.opened_at))
        .where(
            _F.c.yard_id == verified.c.yard_id,
            or_(_F.c.confirmed.is_(True), _F.c.reopened > 0),
        )
        .scalar_subquery()
    )
    rows = session.connection().execute(
        select(
            verified.c.yard_id,
            _Y.c.public_name,
            _Y.c.micro_district_id,
            verified.c.verified_at,
            verified.c.verified,
            first.label("first_found_at"),
        )
        .select_from(verified.join(_Y, _Y.c.id == verified.c.yard_id))
        .order_by(verified.c.verified.desc(), verified.c.yard_id)
        .limit(limit)
    )
    found = [dict(row._mapping) for row in rows]
    changes = []
    for row in found:
        start = row["first_found_at"]
        if start is None or start > row["verified_at"]:
            start = None
        before = (
            session.connection()
            .execute(select(_index(row["yard_id"], start, before=True)))
            .scalar()
            if start is not None
            else None
        )
        after = (
            session.connection()
            .execute(select(_index(row["yard_id"], row["verified_at"], before=False)))
            .scalar()
        )
        changes.append(
            YardChange(
                yard_id=row["yard_id"],
                public_name=row["public_name"],
                micro_district_id=row["micro_district_id"],
                first_found_at=start,
                verified_at=row["verified_at"],
                verified=row["verified"],
                before=before,
                after=after,
            )
        )
    return changes
