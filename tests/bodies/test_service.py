"""app.bodies.service: checking and upserting bodies, members."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from app.accounts.models import UserRole
from app.bodies import service
from app.bodies.models import Body, BodyItem, YardCooperative
from app.bodies.schemas import BodiesInvalid, BodyRecord
from app.checklists.loader import ChecklistRegistry
from app.platform.errors import Invalid, NotFound
from tests.factories import create_yard, new_email
from tests.findings_factories import new_body


def uid(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def record(**overrides: object) -> BodyRecord:
    values: dict[str, object] = {
        "id": uid(),
        "district_id": "medeu",
        "kind": "police",
        "name": "Управление полиции",
        "channel": "email",
        "email": "police@police.example",
        "items": {},
    }
    values.update(overrides)
    return BodyRecord(**values)  # type: ignore[arg-type]


def problems(exc: pytest.ExceptionInfo[BodiesInvalid]) -> list[tuple[int, str]]:
    return [(p.index, p.field) for p in exc.value.problems]


class TestUpsert:
    def test_creates_then_updates_and_replaces_items(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        first = record(items={"social.drinking": None, "maintenance.drug_ads": 7})
        done = service.upsert_bodies(session, records=[first], registry=registry)
        assert done.created == [first.id] and not done.updated
        assert service.items_of(session, body_id=first.id) == {
            "maintenance.drug_ads": 7,
            "social.drinking": None,
        }
        again = service.upsert_bodies(session, records=[first], registry=registry)
        assert again.unchanged == [first.id] and not again.updated
        changed = record(id=first.id, name="Другое имя", items={"social.know_inspector": None})
        done = service.upsert_bodies(session, records=[changed], registry=registry)
        assert done.updated == [first.id]
        assert session.get(Body, first.id).name == "Другое имя"  # type: ignore[union-attr]
        assert service.items_of(session, body_id=first.id) == {"social.know_inspector": None}

    def test_items_not_given_are_kept_and_nothing_unnamed_is_deleted(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        other = new_body(session, district="medeu", items=["sightlines.bushes"])
        mine = record(items={"social.drinking": None})
        service.upsert_bodies(session, records=[mine], registry=registry)
        service.upsert_bodies(
            session, records=[record(id=mine.id, items=None, active=False)], registry=registry
        )
        assert service.items_of(session, body_id=mine.id) == {"social.drinking": None}
        assert session.get(Body, mine.id).active is False  # type: ignore[union-attr]
        assert session.get(Body, other.id) is not None

    def test_city_wide_body(self, session: Session, registry: ChecklistRegistry) -> None:
        city = record(district_id=None, kind="ops_centre", items={"technical.panic_button": 3})
        assert service.upsert_bodies(session, records=[city], registry=registry).created


class TestProblems:
    def test_every_problem_is_reported_and_nothing_stored(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        good = record()
        bad = [
            good,
            record(kind="ministry", channel="fax"),
            record(district_id="atlantis"),
            record(email="not-an-address"),
            record(email=None),
            record(channel="phone", phone=None),
            record(channel="eotinish"),
            record(deadline_days=0),
            record(items={"lighting.no_such_item": None, "social.drinking": 400}),
            record(id="Bad Id"),
            record(name=""),
        ]
        with pytest.raises(BodiesInvalid) as exc:
            service.upsert_bodies(session, records=bad, registry=registry)
        found = problems(exc)
        assert (2, "kind") in found and (2, "channel") in found
        assert (3, "district") in found
        assert (4, "email") in found and (5, "email") in found
        assert (6, "phone") in found and (7, "eotinish_category") in found
        assert (8, "deadline_days") in found
        assert [f for f in found if f[0] == 9] == [(9, "items"), (9, "items")]
        assert (10, "id") in found and (11, "name_ru") in found
        assert not [f for f in found if f[0] == 1]
        assert session.get(Body, good.id) is None
        text = exc.value.message
        assert "not-an-address" in text and "lighting.no_such_item" in text
        assert f"“{bad[3].id}”" in text

    def test_one_body_per_district_and_item_in_the_file(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        a = record(items={"social.drinking": None})
        b = record(kind="akimat", items={"social.drinking": None})
        elsewhere = record(district_id="auezov", items={"social.drinking": None})
        coop = record(kind="cooperative", items={"social.drinking": None})
        with pytest.raises(BodiesInvalid) as exc:
            service.upsert_bodies(session, records=[a, b, elsewhere, coop], registry=registry)
        assert problems(exc) == [(1, "items"), (2, "items")]
        assert b.id in exc.value.problems[0].message

    def test_one_body_per_district_and_item_with_the_stored(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        stored = new_body(session, district="turksib", items=["maintenance.graffiti"])
        clash = record(district_id="turksib", items={"maintenance.graffiti": None})
        with pytest.raises(BodiesInvalid) as exc:
            service.upsert_bodies(session, records=[clash], registry=registry)
        assert problems(exc) == [(1, "items")] and stored.id in exc.value.message
        # Moving the item in the same file is fine; so is an inactive holder.
        moved = record(id=stored.id, district_id="turksib", kind="akimat_housing", items={})
        service.upsert_bodies(session, records=[moved, clash], registry=registry)

    def test_city_wide_bodies_share_no_item(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        a = record(district_id=None, kind="utility", items={"lighting.paths_playground": None})
        b = record(district_id=None, kind="other", items={"lighting.paths_playground": None})
        with pytest.raises(BodiesInvalid) as exc:
            service.upsert_bodies(session, records=[a, b], registry=registry)
        assert problems(exc) == [(1, "items"), (2, "items")]

    def test_duplicate_id(self, session: Session, registry: ChecklistRegistry) -> None:
        a = record()
        with pytest.raises(BodiesInvalid) as exc:
            service.upsert_bodies(session, records=[a, record(id=a.id)], registry=registry)
        assert (2, "id") in problems(exc)


class TestCooperativeYards:
    def test_links_replaces_and_refuses_a_second_keeper(
        self, session: Session, registry: ChecklistRegistry
    ) -> None:
        y1, y2 = create_yard(session, district="zhetysu"), create_yard(session, district="zhetysu")
        assert y1.id is not None and y2.id is not None
        coop = record(district_id="zhetysu", kind="cooperative", yards=[y1.id, y2.id])
        service.upsert_bodies(session, records=[coop], registry=registry)
        assert service.yards_of(session, body_id=coop.id) == sorted([y1.id, y2.id])
        coop.yards = [y2.id]
        service.upsert_bodies(session, records=[coop], registry=registry)
        assert service.yards_of(session, body_id=coop.id) == [y2.id]
        rival = record(district_id="zhetysu", kind="cooperative", yards=[y2.id, 10**9])
        police = record(district_id="zhetysu", yards=[y1.id])
        with pytest.raises(BodiesInvalid) as exc:
            service.upsert_bodies(session, records=[rival, police], registry=registry)
        assert problems(exc) == [(1, "yards"), (1, "yards"), (2, "yards")]
        # Handing the yard over in one file is fine.
        coop.yards = []
        rival.yards = [y2.id]
        service.upsert_bodies(session, records=[coop, rival], registry=registry)
        link = session.exec(select(YardCooperative).where(YardCooperative.yard_id == y2.id)).one()
        assert link.body_id == rival.id

    def test_yard_of_another_district(self, session: Session, registry: ChecklistRegistry) -> None:
        yard = create_yard(session, district="almaly")
        assert yard.id is not None
        coop = record(district_id="zhetysu", kind="cooperative", yards=[yard.id])
        with pytest.raises(BodiesInvalid) as exc:
            service.upsert_bodies(session, records=[coop], registry=registry)
        assert "almaly" in exc.value.message


class TestReading:
    def test_list_get_and_record(self, session: Session, registry: ChecklistRegistry) -> None:
        body = new_body(session, district="nauryzbay", items=["social.neighbours"])
        rows = service.list_bodies(session, district_id="nauryzbay")
        row = next(r for r in rows if r.body.id == body.id)
        assert row.items == 1 and row.yards == 0
        assert body.id not in {r.body.id for r in service.list_bodies(session, city_wide=True)}
        assert body.id not in {r.body.id for r in service.list_bodies(session, kind="police")}
        again = service.record_of(session, body=service.get_body(session, body_id=body.id))
        assert again.items == {"social.neighbours": None} and again.district_id == "nauryzbay"
        assert session.exec(select(BodyItem).where(BodyItem.body_id == body.id)).all()
        with pytest.raises(NotFound):
            service.get_body(session, body_id="no-such-body")


class TestMembers:
    def test_add_and_remove(self, session: Session) -> None:
        from app.accounts import service as accounts_service

        body = new_body(session)
        official = accounts_service.create_user(
            session,
            email=new_email("official"),
            name="Official",
            role=UserRole.official,
            password="a long enough password",
            links=accounts_service.Links([], [], []),
        )
        inspector = accounts_service.create_user(
            session,
            email=new_email("inspector"),
            name="Inspector",
            role=UserRole.inspector,
            password="a long enough password",
            links=accounts_service.Links([], [], []),
        )
        service.add_member(session, body_id=body.id, email=official.email.upper())
        service.add_member(session, body_id=body.id, email=official.email)  # twice: once
        assert [u.id for u in service.members_of(session, body_id=body.id)] == [official.id]
        with pytest.raises(Invalid):
            service.add_member(session, body_id=body.id, email=inspector.email)
        with pytest.raises(Invalid):
            service.add_member(session, body_id=body.id, email="nobody@example.kz")
        assert official.id is not None
        service.remove_member(session, body_id=body.id, user_id=official.id)
        assert service.members_of(session, body_id=body.id) == []
