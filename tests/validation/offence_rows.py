"""Offence rows and a small audited world for the validation's tests, written straight to the
tables (the import's own tests check the files)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count, cycle

from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.offences.models import Offence
from app.platform.config import Settings
from tests.factories import create_yard, new_location, placement_of
from tests.inspectors.support import submit_at

_keys = count()


def add_offence(
    session: Session,
    import_id: int,
    *,
    day: date,
    area_id: str | None,
    district_id: str = "almaly",
    article: str = "188",
    synthetic: bool = False,
) -> None:
    session.add(
        Offence(
            source_key=f"validation-{next(_keys)}",
            import_id=import_id,
            occurred_on=day,
            article=article,
            lat=43.25,
            lon=76.92,
            district_id=district_id,
            micro_district_id=area_id,
            synthetic=synthetic,
        )
    )
    session.flush()


def at(year: int, month: int, day: int, hour: int = 6) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


# The cut-off of the small world: midnight of 1 June 2025 in Almaty is 19:00 UTC on 31 May.
AS_OF = date(2025, 6, 1)


@dataclass(frozen=True)
class SmallWorld:
    district: str
    area: str  # two yards audited before the cut-off
    late_area: str  # audited only after the cut-off: not in the data
    worst: float  # the first yard's latest audit before the cut-off
    best: float  # the second yard's


# Each world takes two micro-districts of its own: spread over the large districts.
_districts = cycle(("alatau", "auezov", "turksib", "nauryzbay", "bostandyk", "medeu", "zhetysu"))


def _own_area(district: str, points: int) -> tuple[str, list[dict[str, float]]]:
    """A micro-district nobody else has a point of, with ``points`` points of its own (a
    small cut cell without enough points is passed over)."""
    for _ in range(10):
        where = new_location(district, own_area=True)
        area = placement_of(where)[1]
        assert area is not None
        try:
            more = [new_location(district, micro_district=area) for _ in range(points - 1)]
        except AssertionError:
            continue
        return area, [where, *more]
    raise AssertionError(f"no micro-district of its own with {points} points in {district}")


def small_world(session: Session, registry: ChecklistRegistry, settings: Settings) -> SmallWorld:
    """In a large district (``SmallWorld.district``), area A: yard 1 audited (worst answers)
    before the cut-off and again (best) an hour after it, Almaty time; yard 2 audited worst
    then best, both before; yard 3 only by a resident. Area B: one yard audited after the
    cut-off only."""
    district = next(_districts)
    area, (where, second_at, third_at) = _own_area(district, 3)
    first = create_yard(session, location=where)
    second = create_yard(session, location=second_at)
    third = create_yard(session, location=third_at)
    late_area, (late_where,) = _own_area(district, 1)
    late = create_yard(session, location=late_where)
    assert first.id and second.id and third.id and late.id

    def audit(yard_id: int, moment: datetime, pick: str, role: str = "inspector") -> float:
        return submit_at(
            session, registry, settings, yard_id=yard_id, at=moment, pick=pick, role=role
        )

    worst = audit(first.id, at(2025, 3, 1), "worst")
    audit(first.id, at(2025, 5, 31, 20), "best")  # 01:00 on 1 June in Almaty: after
    audit(first.id, at(2025, 5, 20), "best", role="resident")  # a resident: never counts
    audit(second.id, at(2024, 11, 1), "worst")
    best = audit(second.id, at(2025, 5, 31, 18), "best")  # 23:00 on 31 May: before
    audit(third.id, at(2025, 4, 1), "worst", role="resident")
    audit(late.id, at(2025, 7, 1), "worst")
    return SmallWorld(district=district, area=area, late_area=late_area, worst=worst, best=best)
