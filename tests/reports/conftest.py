"""Fixtures of the report tests: a yard of their own with a resident check (with a photo) and
an inspector audit, and staff clients linked to it or not."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.intake import service as intake_service
from app.photos.uploads import upload_token
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.submissions.models import Submission
from app.submissions.schemas import SubmissionCreate
from app.yards import service as yards_service
from tests.accounts.support import create_user, fresh_client, logged_in
from tests.factories import answers_for, new_location, store_submission
from tests.inspectors.support import place_in
from tests.photos.images import encode, two_colours

DISTRICT = "zhetysu"  # no other test module checks yards here
OTHER_DISTRICT = "nauryzbay"
ADDRESS = "ул. Сейфуллина 531"


@dataclass(frozen=True)
class ReportYard:
    yard_id: int
    district_id: str
    micro_district_id: str
    submission_id: str  # the resident's check (it has a photo)


def add_yard(db: Database, *, index: int, address: str | None = ADDRESS) -> tuple[int, str]:
    """A yard inside a micro-district of DISTRICT; returns (yard id, micro-district id)."""
    with db.write_session() as session:
        micro, lat, lon = place_in(session, DISTRICT, index)
        yard = yards_service.create_yard(
            session,
            lat=lat,
            lon=lon,
            district_id=DISTRICT,
            micro_district_id=micro,
            address=address,
        )
        assert yard.id is not None
        return yard.id, micro


def submit(
    db: Database,
    registry: ChecklistRegistry,
    settings: Settings,
    *,
    yard_id: int,
    role: str,
    answers: dict[str, str],
    days_ago: int = 0,
) -> str:
    data = SubmissionCreate.model_validate(
        {
            "id": str(uuid.uuid4()),
            "checklist_version": registry.current.version,
            "yard_id": yard_id,
            "answers": answers,
        }
    )
    with db.write_session() as session:
        intake_service.receive_checklist(
            session,
            data=data,
            registry=registry,
            areas=None,
            settings=settings,
            role=role,
            received_at=utcnow() - timedelta(days=days_ago),
        )
    return str(data.id)


@pytest.fixture(scope="session")
def report_yard(
    client: TestClient, db: Database, registry: ChecklistRegistry, settings: Settings
) -> ReportYard:
    """A resident's check (worst answers, a photo of the lighting question) last month, and an
    inspector audit (safe answers but the lighting and the basements) today."""
    yard_id, micro = add_yard(db, index=2)
    resident = submit(
        db,
        registry,
        settings,
        yard_id=yard_id,
        role="resident",
        answers=answers_for(registry.current, pick="worst"),
        days_ago=35,
    )
    # Photos are taken within SAFEYARD_PHOTO_UPLOAD_WINDOW_H of their checklist: as if this
    # one came right after it, 35 days ago (with the token the checklist's answer carried).
    received = _received_at(db, uuid.UUID(resident))
    _set_received_at(db, uuid.UUID(resident), utcnow())
    photo = client.post(
        f"/api/v1/submissions/{resident}/photos",
        data={"item_id": "lighting.at_night"},
        files={"file": ("night.jpg", encode(two_colours(), "JPEG"), "image/jpeg")},
        headers={
            "X-Upload-Token": upload_token(client.app.state.context.secret_key, uuid.UUID(resident))
        },
    )
    _set_received_at(db, uuid.UUID(resident), received)
    assert photo.status_code == 201, photo.text
    audit = answers_for(registry.current, pick="best", role="inspector")
    audit.update({"lighting.at_night": "no", "access.basements": "open"})
    submit(db, registry, settings, yard_id=yard_id, role="inspector", answers=audit)
    return ReportYard(yard_id, DISTRICT, micro, resident)


def _received_at(db: Database, submission_id: uuid.UUID) -> datetime:
    with db.session() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        return submission.received_at


def _set_received_at(db: Database, submission_id: uuid.UUID, when: datetime) -> None:
    with db.write_session() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        submission.received_at = when
        session.add(submission)


def staff(
    client: TestClient,
    db: Database,
    role: UserRole,
    *,
    districts: list[str] | None = None,
    micro_districts: list[str] | None = None,
    yards: list[int] | None = None,
) -> TestClient:
    links = accounts_service.Links(districts or [], micro_districts or [], yards or [])
    return logged_in(client.app, create_user(db, role=role, links=links))


@pytest.fixture(scope="session")
def admin(client: TestClient, db: Database) -> TestClient:
    return staff(client, db, UserRole.admin)


@pytest.fixture(scope="session")
def district_inspector(client: TestClient, db: Database) -> TestClient:
    return staff(client, db, UserRole.inspector, districts=[DISTRICT])


@pytest.fixture(scope="session")
def anonymous(client: TestClient) -> TestClient:
    return fresh_client(client.app)


@dataclass(frozen=True)
class Pdf:
    reader: PdfReader
    text: str
    pages: int


def read_pdf(data: bytes) -> Pdf:
    assert data.startswith(b"%PDF-"), data[:40]
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    # Extraction may break a line anywhere; compare texts with single spaces.
    return Pdf(reader, " ".join(text.split()), len(reader.pages))


def embedded_fonts(reader: PdfReader) -> dict[str, bool]:
    """Each font the pages use -> whether its program is embedded (FontFile/2/3)."""
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        for font in resources.get_object().get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font.get("/BaseFont"))] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts


# --- A busy district: many yards, long names, many flags (layout and map tests) ---------

BUSY_DISTRICT = "auezov"  # no other report test puts yards here
LONG_NAME = (
    "Двор ЖК «Алатау Гранд Резиденс», корпус 12/3, со стороны детской площадки "
    "и подземного паркинга № {n}"
)


@dataclass(frozen=True)
class BusyDistrict:
    yard_id: int  # a yard with a long name and most answers at their worst
    submission_id: str  # its resident's check
    micro_district_id: str  # a problem area


@pytest.fixture(scope="session")
def busy_district(db: Database, registry: ChecklistRegistry, settings: Settings) -> BusyDistrict:
    """Problem areas of four audited worst yards each, yards of one check scattered over the
    district (not enough data), long public names on every yard."""
    loaded = registry.current
    worst = answers_for(loaded, pick="worst", role="inspector")
    resident_worst = answers_for(loaded, pick="worst")
    resident_best = answers_for(loaded, pick="best")
    first: tuple[int, str, str] | None = None
    with db.write_session() as session:
        areas: list[str] = []
        for n in range(4):
            location = new_location(BUSY_DISTRICT, own_area=True)
            received = store_submission(
                session,
                registry=registry,
                settings=settings,
                role="inspector",
                location=location,
                answers=worst,
            )
            micro = received.submission.micro_district_id
            assert micro is not None
            areas.append(micro)
            yard_ids = [received.submission.yard_id]
            for _ in range(3):
                more = store_submission(
                    session,
                    registry=registry,
                    settings=settings,
                    role="inspector",
                    location=new_location(BUSY_DISTRICT, micro_district=micro),
                    answers=worst,
                )
                yard_ids.append(more.submission.yard_id)
            for k, yard_id in enumerate(yard_ids):
                yards_service.set_public_name(
                    session, yard_id=yard_id, name=LONG_NAME.format(n=n * 10 + k)
                )
        for k in range(24):
            received = store_submission(
                session,
                registry=registry,
                settings=settings,
                location=new_location(BUSY_DISTRICT),
                answers=resident_worst if k % 3 else resident_best,
            )
            yards_service.set_public_name(
                session, yard_id=received.submission.yard_id, name=LONG_NAME.format(n=100 + k)
            )
            if first is None and k % 3:
                first = (
                    received.submission.yard_id,
                    str(received.submission.id),
                    areas[0],
                )
    assert first is not None
    return BusyDistrict(*first)
