"""A yard of the appeal tests (district Alatau, which no other report test uses): a body that
answers for its lighting and basements, a resident's check with an approved photo of the
lighting and a pending one of the basements, and an inspector audit that confirms both.
One finding carries a body's reference and a fix note that must never be printed; the
other's deadline has passed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col, select

from app.bodies.models import BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings.models import Finding
from app.photos.models import Photo, PhotoState
from app.photos.uploads import upload_token
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.yards import service as yards_service
from tests.factories import answers_for
from tests.findings_factories import new_body
from tests.inspectors.support import place_in
from tests.photos.images import encode, two_colours
from tests.reports.conftest import _received_at, _set_received_at, submit

DISTRICT = "alatau"
TYPED_ADDRESS = "ул. Тестовая секретная 77"
SECRET_REFERENCE = "REF-SECRET-4711"
SECRET_NOTE = "NOTE-SECRET-not-for-the-public"
LIGHT = "lighting.at_night"
BASEMENTS = "access.basements"
BUSHES = "sightlines.bushes"
BODY_NAME = {
    "ru": "ГУ «Отдел ЖКХ Алатауского района» (тест)",
    "kk": "«Алатау ауданының ТҮКШ бөлімі» ММ (тест)",
    "en": "Alatau Housing Department (test)",
}
EOTINISH_CATEGORY = "ЖКХ / Благоустройство дворов"


@dataclass(frozen=True)
class AppealYard:
    yard_id: int
    body_id: str  # confirmed findings here: lighting (approved photo), basements
    other_body_id: str  # only an unconfirmed finding here
    empty_yard_id: int  # no findings at all
    submission_id: str  # the resident's check (a capability: never printed)


def _body(db: Database, items: list[str], *, names: dict[str, str] | None = None) -> str:
    with db.write_session() as session:
        body = new_body(session, district=DISTRICT, kind=BodyKind.akimat_housing, items=items)
        if names:
            body.name, body.name_kk, body.name_en = names["ru"], names["kk"], names["en"]
            body.eotinish_category = EOTINISH_CATEGORY
            session.add(body)
        return body.id


def _yard(db: Database, index: int) -> int:
    with db.write_session() as session:
        micro, lat, lon = place_in(session, DISTRICT, index)
        yard = yards_service.create_yard(
            session,
            lat=lat,
            lon=lon,
            district_id=DISTRICT,
            micro_district_id=micro,
            address=TYPED_ADDRESS,
        )
        assert yard.id is not None
        return yard.id


def _photo(client: TestClient, db: Database, submission: str, item_id: str) -> None:
    # Photos come within hours of their check: as if this one came right after it.
    received = _received_at(db, uuid.UUID(submission))
    _set_received_at(db, uuid.UUID(submission), utcnow())
    response = client.post(
        f"/api/v1/submissions/{submission}/photos",
        data={"item_id": item_id},
        files={"file": ("p.jpg", encode(two_colours(), "JPEG"), "image/jpeg")},
        headers={
            "X-Upload-Token": upload_token(
                client.app.state.context.secret_key,  # type: ignore[attr-defined]
                uuid.UUID(submission),
            )
        },
    )
    _set_received_at(db, uuid.UUID(submission), received)
    assert response.status_code == 201, response.text


# Built once per run: the fixture is imported into several test modules (each import is a
# fixture of its own to pytest), and a second body for the same items would not be routed to.
_BUILT: dict[str, AppealYard] = {}


@pytest.fixture(scope="session")
def appeal_yard(
    client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
) -> AppealYard:
    if db.url not in _BUILT:
        _BUILT[db.url] = _build(client, db, registry, settings)
    return _BUILT[db.url]


def _build(
    client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
) -> AppealYard:
    body_id = _body(db, [LIGHT, BASEMENTS], names=BODY_NAME)
    other_body_id = _body(db, [BUSHES])
    yard_id = _yard(db, 1)
    empty_yard_id = _yard(db, 3)
    resident = submit(
        db,
        registry,
        settings,
        yard_id=yard_id,
        role="resident",
        answers=answers_for(registry.current, pick="worst"),
        days_ago=20,
    )
    _photo(client, db, resident, LIGHT)
    _photo(client, db, resident, BASEMENTS)
    audit = answers_for(registry.current, pick="best", role="inspector")
    audit.update({LIGHT: "no", BASEMENTS: "open"})
    submit(db, registry, settings, yard_id=yard_id, role="inspector", answers=audit)
    with db.write_session() as session:
        session.execute(
            update(Photo)
            .where(col(Photo.submission_id) == uuid.UUID(resident), col(Photo.item_id) == LIGHT)
            .values(state=PhotoState.approved.value)
        )
        findings = {
            f.item_id: f
            for f in session.exec(select(Finding).where(Finding.yard_id == yard_id)).all()
        }
        for item in (LIGHT, BASEMENTS):
            found = findings[item]
            assert found.confirmed and found.body_id == body_id, (item, found.model_dump())
        # Filed by staff: a reference and a note only staff may read.
        lit = findings[LIGHT]
        lit.state, lit.sent_at = "sent", utcnow()
        lit.reference, lit.fix_note = SECRET_REFERENCE, SECRET_NOTE
        session.add(lit)
        # The basements' deadline passed three days ago: the appeal asks for no delay.
        late = findings[BASEMENTS]
        late.state, late.deadline_at = "sent", utcnow() - timedelta(days=3)
        session.add(late)
        # One resident's observation of the bushes, routed to the other body: not public.
        bushes = findings.get(BUSHES)
        if bushes is None:
            bushes = Finding(
                yard_id=yard_id,
                item_id=BUSHES,
                district_id=DISTRICT,
                risk=1.0,
                basis="residents_median",
                checklist_version=registry.current.version,
            )
        bushes.confirmed, bushes.body_id, bushes.state = False, other_body_id, "open"
        session.add(bushes)
    return AppealYard(yard_id, body_id, other_body_id, empty_yard_id, resident)
