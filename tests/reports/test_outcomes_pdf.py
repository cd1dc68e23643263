"""The outcomes section of a district's monthly PDF: the findings' figures per body and the
yards verified this month with their index before and after, in ru, kk and en, laid out
without overlaps (tests/reports/layout.py). The figures themselves are checked against a
known world in tests/findings/test_outcomes.py; here, that the PDF prints them."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pdfplumber
import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.areas.trend import month_of, month_start
from app.checklists.loader import ChecklistRegistry
from app.findings import actions
from app.findings.models import Finding
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.yards import service as yards_service
from tests.factories import answers_for, create_user, new_location, store_submission
from tests.findings.support import admin_actor
from tests.reports.conftest import BUSY_DISTRICT, LONG_NAME, BusyDistrict
from tests.reports.layout import layout_defects

pytestmark = pytest.mark.slow

LABELS = {
    "ru": ("Что стало с замечаниями", "По органам", "До"),
    "kk": ("Ескертулердің нәтижесі", "Органдар бойынша", "Дейін"),
    "en": ("Outcomes of the findings", "By body", "Before"),
}


@pytest.fixture(scope="module")
def verified_yards(
    db: Database, registry: ChecklistRegistry, settings: Settings, busy_district: BusyDistrict
) -> list[int]:
    """Three yards of the busy district (long names) found failing by an audit this month and
    verified by a later one; one of them with a fix reported in between."""
    loaded = registry.current
    worst = answers_for(loaded, pick="worst", role="inspector")
    best = answers_for(loaded, pick="best", role="inspector")
    now = utcnow()
    start = max(month_start(month_of(now)), now - timedelta(days=5))
    admin = create_user(db, role=UserRole.admin)
    assert admin.id is not None
    yard_ids = []
    with db.write_session() as session:
        for k in range(3):
            location = new_location(BUSY_DISTRICT)
            found = store_submission(
                session,
                registry=registry,
                settings=settings,
                role="inspector",
                location=location,
                answers=worst,
                received_at=start + timedelta(minutes=10 + k),
            )
            yard_id = found.submission.yard_id
            yards_service.set_public_name(
                session, yard_id=yard_id, name=LONG_NAME.format(n=500 + k)
            )
            if k == 0:
                finding = session.query(Finding).filter(Finding.yard_id == yard_id).first()
                assert finding is not None and finding.id is not None
                actions.report_fix(
                    session,
                    actor=admin_actor(admin.id),
                    finding_id=finding.id,
                    fixed_on=(start + timedelta(minutes=20)).date(),
                    note="fixed",
                    now=start + timedelta(minutes=20),
                )
            store_submission(
                session,
                registry=registry,
                settings=settings,
                role="inspector",
                location=location,
                answers=best,
                received_at=start + timedelta(minutes=30 + k),
            )
            yard_ids.append(yard_id)
    return yard_ids


def _pdf(admin: TestClient, lang: str) -> bytes:
    month = month_of(utcnow())
    response = admin.get(
        f"/inspector/reports/districts/{BUSY_DISTRICT}.pdf?month={month}&lang={lang}"
    )
    assert response.status_code == 200, response.text[:300]
    return response.content


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_the_section_is_printed_and_laid_out(
    lang: str, admin: TestClient, verified_yards: list[int]
) -> None:
    pdf = _pdf(admin, lang)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
        keep = os.environ.get("SAFEYARD_OUTCOMES_PNG")
        if keep:
            for number, page in enumerate(document.pages, start=1):
                page.to_image(resolution=80).save(Path(keep) / f"district-{lang}-{number}.png")
    flat = " ".join(text.split())
    for label in LABELS[lang]:
        assert label in flat
    for yard_id in verified_yards:
        assert str(yard_id) in flat
    # Each yard: worst answers before (100), best after (0), a change printed with its sign.
    assert "100 0 −100" in flat
    assert not layout_defects(pdf)
