"""Yards with confirmed findings (an inspector audit stored through the intake), accounts of
cooperatives and officials, and the forms of /my-yards and /body, for the tests of issue 14's
cooperative space and body pages. Everything is committed: the pages read through the app."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, col, select

from app.accounts import service as accounts_service
from app.accounts.models import User, UserRole
from app.accounts.scope import Scope
from app.bodies.models import BodyKind
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.models import Finding, FindingState
from app.findings.permissions import Actor
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.accounts.support import session_token
from tests.factories import answers_for, create_user, new_location, store_submission
from tests.findings_factories import add_member, new_body

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class AuditedYard:
    yard_id: int
    finding_ids: list[int]  # confirmed, open, ordered by id
    district_id: str


def audited_yard(
    db: Database, registry: ChecklistRegistry, settings: Settings, *, district: str = "almaly"
) -> AuditedYard:
    """A yard of its own whose inspector audit (the worst answers) opened confirmed findings."""
    with db.write_session() as session:
        received = store_submission(
            session,
            registry=registry,
            settings=settings,
            role="inspector",
            location=new_location(district),
            answers=answers_for(registry.current, role="inspector"),
        )
        yard_id = received.submission.yard_id
    with db.session() as session:
        ids = list(
            session.exec(
                select(Finding.id).where(Finding.yard_id == yard_id).order_by(col(Finding.id))
            )
        )
    assert ids, "the worst answers must open findings"
    return AuditedYard(
        yard_id=yard_id, finding_ids=[i for i in ids if i is not None], district_id=district
    )


def cooperative_of(db: Database, *yard_ids: int) -> User:
    return create_user(
        db, role=UserRole.cooperative, links=accounts_service.Links([], [], list(yard_ids))
    )


def inspector_of(db: Database, district: str) -> User:
    return create_user(
        db, role=UserRole.inspector, links=accounts_service.Links([district], [], [])
    )


def body_with_official(
    db: Database,
    *,
    district: str = "almaly",
    finding_ids: list[int] = (),  # type: ignore[assignment]
) -> tuple[str, User]:
    """A police department of ``district`` with an official, and ``finding_ids`` routed to it
    by an administrator (``actions.reroute``), so no other test's body competes for them."""
    official = create_user(db, role=UserRole.official)
    assert official.id is not None
    with db.write_session() as session:
        body = new_body(session, district=district, kind=BodyKind.police)
        add_member(session, body_id=body.id, user_id=official.id)
        admin = create_admin_actor(session)
        for finding_id in finding_ids:
            actions.reroute(
                session,
                actor=admin,
                finding_id=finding_id,
                body_id=body.id,
                reason="test: routed to the test body",
                default_deadline_days=30,
            )
        body_id = body.id
    return body_id, official


def create_admin_actor(session: Session) -> Actor:
    """An admin actor backed by a real account (events name their actor's id)."""
    user = accounts_service.create_user(
        session,
        email=f"admin-{utcnow().timestamp()}-{id(session)}@example.kz",
        name="Test admin",
        role=UserRole.admin,
        password="correct horse battery",
        links=accounts_service.Links([], [], []),
    )
    assert user.id is not None
    return Actor(
        user_id=user.id, role=UserRole.admin, scope=Scope(role=UserRole.admin, city_wide=True)
    )


def set_deadline(db: Database, finding_id: int, *, days_from_now: int) -> None:
    with db.write_session() as session:
        finding = session.get(Finding, finding_id)
        assert finding is not None
        finding.deadline_at = utcnow() + timedelta(days=days_from_now)
        session.add(finding)


def finding(db: Database, finding_id: int) -> Finding:
    with db.session() as session:
        found = session.get(Finding, finding_id)
        assert found is not None
        return found


def page_token(page_text: str) -> str:
    match = TOKEN.search(page_text)
    assert match, page_text[:500]
    return match.group(1)


def post_form(
    client: TestClient,
    path: str,
    data: dict[str, str],
    *,
    photo: bytes | None = None,
    lang: str = "en",
) -> httpx.Response:
    """A page form POST as the browser sends it (multipart when a photo goes with it)."""
    token = session_token(client)
    files = {"photo": ("after.jpg", photo, "image/jpeg")} if photo is not None else None
    return client.post(
        f"{path}?lang={lang}" if "?" not in path else path,
        data={"csrf_token": token, **data},
        files=files,
        follow_redirects=False,
    )


def jpeg_with_gps(size: tuple[int, int] = (640, 480)) -> bytes:
    """A real JPEG carrying EXIF GPS (Almaty) and a camera model."""
    image = Image.new("RGB", size, (120, 160, 90))
    exif = Image.Exif()
    exif[0x0110] = "TestPhone 12"  # Model
    gps = {1: "N", 2: (43.0, 14.0, 30.0), 3: "E", 4: (76.0, 53.0, 20.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "the test photo has GPS"
    return data


STATES_OPEN = {s.value for s in (FindingState.open, FindingState.sent, FindingState.in_progress)}
