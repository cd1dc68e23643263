"""A city of its own for the capability and yard-name tests: yards whose first, anonymous
sender typed an address (and comments) to plant, an inspector audit, a cooperative check,
and the staff who walk it.

Its own database and app, so a walk of "every yard" stays a few yards long whatever else the
suite stored, and every submission id in the database is one this module knows.
"""

from __future__ import annotations

import io
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import select

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.demo.reference import load_reference_data
from app.platform import migrate
from app.platform.config import Settings
from app.platform.db import Database
from app.submissions.models import Submission
from app.yards.models import Yard
from tests.accounts.support import create_user, fresh_client, logged_in
from tests.databases import empty_database
from tests.factories import answers_for, submission_body

# Typed by anonymous senders: none of it may reach a public page, API, export or PDF.
PLANTED_ADDRESS = "Подброшенная улица 13 ZQXJ"
PLANTED_COMMENT = "Planted comment WVKP"
PLANTED_ITEM_COMMENT = "Planted item comment YHRM"
PLANTED = (PLANTED_ADDRESS, "ZQXJ", PLANTED_COMMENT, PLANTED_ITEM_COMMENT)
HOME = "almaly"  # new_location() points lie in Almaly
OTHER = "nauryzbay"


@dataclass
class World:
    app: object
    db: Database
    registry: ChecklistRegistry
    anonymous: TestClient
    admin: TestClient
    inspector: TestClient  # Almaly, where the yards are
    other_inspector: TestClient  # another district only
    cooperative: TestClient  # linked to no yard
    holder_id: str  # a resident's check the test holds, in the first yard
    yard_ids: list[int]

    def stored_ids(self) -> list[uuid.UUID]:
        with self.db.session() as session:
            return list(session.exec(select(Submission.id)).all())

    def yards(self) -> list[Yard]:
        with self.db.session() as session:
            return list(session.exec(select(Yard).order_by(Yard.id)).all())


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:60]
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.split())


def readable(response: httpx.Response) -> str:
    """What a reader can get out of the answer: a PDF's text and its raw bytes (links and
    metadata), or the body as text."""
    if response.headers.get("content-type", "").startswith("application/pdf"):
        return pdf_text(response.content) + "\n" + response.content.decode("latin-1")
    return response.text


def id_forms(ids: list[uuid.UUID]) -> list[str]:
    """Every spelling of the ids a page could print (lower case: bodies are lowered)."""
    return [form for i in ids for form in (str(i), i.hex)]


def _post(client: TestClient, body: dict[str, object]) -> str:
    response = client.post("/api/v1/submissions", json=body)
    assert response.status_code == 201, response.text
    return str(body["id"])


def build_world(tmp_path: Path, registry: ChecklistRegistry) -> Iterator[World]:
    with empty_database(tmp_path / "capabilities.db", prefix="safeyard_cap") as url:
        migrate.upgrade(url)
        db = Database(url)
        load_reference_data(db, registry=registry)
        settings = Settings(
            database_url=url,
            data_dir=tmp_path / "data",
            rate_limit_submissions=100_000,
            rate_limit_photos=100_000,
            rate_limit_login=100_000,
            secret_key=secrets.token_urlsafe(32),
        )
        from app.main import create_app

        with TestClient(create_app(settings)) as client:
            app = client.app

            def staff(role: UserRole, districts: list[str]) -> TestClient:
                links = accounts_service.Links(districts, [], [])
                return logged_in(app, create_user(db, role=role, links=links))

            inspector = staff(UserRole.inspector, [HOME])
            world = World(
                app=app,
                db=db,
                registry=registry,
                anonymous=fresh_client(app),
                admin=staff(UserRole.admin, []),
                inspector=inspector,
                other_inspector=staff(UserRole.inspector, [OTHER]),
                cooperative=staff(UserRole.cooperative, []),
                holder_id="",
                yard_ids=[],
            )
            loaded = registry.current
            item = next(iter(answers_for(loaded)))
            for _ in range(3):
                # The yard's first sender is anonymous and types the address to plant.
                _post(
                    world.anonymous,
                    submission_body(
                        loaded,
                        address=PLANTED_ADDRESS,
                        comment=PLANTED_COMMENT,
                        item_comments={item: PLANTED_ITEM_COMMENT},
                    ),
                )
            world.yard_ids = [y.id for y in world.yards() if y.id is not None]
            first = world.yard_ids[0]
            # A later resident's check of the first yard: the one the test holds.
            world.holder_id = _post(
                fresh_client(app), submission_body(loaded, location=None, yard_id=first)
            )
            audit = answers_for(loaded, pick="best", role="inspector")
            _post(inspector, submission_body(loaded, location=None, yard_id=first, answers=audit))
            coop = answers_for(loaded, role="cooperative")
            _post(
                world.cooperative,
                submission_body(loaded, location=None, yard_id=world.yard_ids[1], answers=coop),
            )
            yield world
        db.dispose()
