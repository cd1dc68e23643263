"""The yards' write path: a new yard through a prebuilt Core statement, no model per yard."""

from __future__ import annotations

from sqlmodel import Session

from app.yards import service as yards_service
from app.yards.models import Yard


class TestCreateYard:
    def test_returns_the_row_as_stored(self, session: Session) -> None:
        # create_yard fills the model's defaults itself: what it returns is what is stored,
        # every field of the model included.
        made = yards_service.create_yard(
            session,
            lat=43.2501,
            lon=76.9202,
            district_id="almaly",
            micro_district_id=None,
            address="Абая 10",
        )
        assert made.id is not None
        session.expire_all()
        stored = session.get(Yard, made.id)
        assert stored is not None
        assert made.model_dump() == stored.model_dump()
        assert set(made.model_dump()) == set(Yard.model_fields)
        assert (stored.submission_count, stored.last_submission_at) == (0, None)
        assert stored.public_name is None and stored.synthetic is False

    def test_found_nearby_and_counted(self, session: Session) -> None:
        made = yards_service.create_yard(
            session,
            lat=43.2601,
            lon=76.9302,
            district_id="almaly",
            micro_district_id=None,
            address=None,
            synthetic=True,
        )
        near = yards_service.find_near(session, lat=43.26012, lon=76.93022, radius_m=40)
        assert [n.yard.id for n in near] == [made.id]
        assert near[0].yard.synthetic is True
        assert yards_service.record_submission(session, yard_id=made.id, at=made.created_at) == 1
        assert yards_service.record_submission(session, yard_id=made.id, at=made.created_at) == 2
