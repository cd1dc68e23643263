"""Finding, creating and keeping yards current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, update
from sqlmodel import Session, col, select

from app.geo.distance import bounding_box, haversine_m
from app.yards.models import Yard


@dataclass(frozen=True)
class NearbyYard:
    yard: Yard
    distance_m: float


def find_near(session: Session, *, lat: float, lon: float, radius_m: float) -> list[NearbyYard]:
    """Yards within ``radius_m`` of the point, nearest first."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
    candidates = session.exec(
        select(Yard).where(
            col(Yard.lat).between(min_lat, max_lat), col(Yard.lon).between(min_lon, max_lon)
        )
    ).all()
    found = [NearbyYard(y, haversine_m(lat, lon, y.lat, y.lon)) for y in candidates]
    return sorted(
        (n for n in found if n.distance_m <= radius_m), key=lambda n: (n.distance_m, n.yard.id)
    )


def create_yard(
    session: Session,
    *,
    lat: float,
    lon: float,
    district_id: str,
    micro_district_id: str | None,
    address: str | None,
    synthetic: bool = False,
) -> Yard:
    yard = Yard(
        lat=lat,
        lon=lon,
        district_id=district_id,
        micro_district_id=micro_district_id,
        address=address,
        synthetic=synthetic,
    )
    session.add(yard)
    session.flush()
    return yard


def record_submission(session: Session, *, yard_id: int, at: datetime) -> None:
    """Count a new submission on its yard, atomically (concurrent submissions both count)."""
    session.execute(
        update(Yard)
        .where(col(Yard.id) == yard_id)
        .values(
            submission_count=Yard.submission_count + 1,
            last_submission_at=case(
                (col(Yard.last_submission_at).is_(None), at),
                (col(Yard.last_submission_at) < at, at),
                else_=Yard.last_submission_at,
            ),
        )
    )
