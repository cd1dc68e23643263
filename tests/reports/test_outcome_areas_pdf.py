"""The "By micro-district" table of a district's monthly PDF: each micro-district's findings
figures with its number on the report's map, in ru, kk and en, laid out without overlaps
(tests/reports/layout.py). The figures themselves are checked against a known world in
tests/findings/test_outcome_areas.py; here, that the PDF prints them for the busy district's
problem area (four yards, each found failing by one audit at its worst this month)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.areas.shapes import load_area_shapes
from app.areas.trend import month_of, month_start
from app.channels.reports.district import area_report
from app.checklists.loader import ChecklistRegistry
from app.findings.models import Finding
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.reports.conftest import BUSY_DISTRICT, BusyDistrict
from tests.reports.layout import layout_defects

pytestmark = pytest.mark.slow

TITLES = {"ru": "По микрорайонам", "kk": "Шағын аудандар бойынша", "en": "By micro-district"}


def _opened(db: Database, area: str) -> int:
    """The area's confirmed findings opened this month, counted straight from the table."""
    with db.session() as session:
        return int(
            session.execute(
                select(func.count()).where(
                    Finding.micro_district_id == area,  # type: ignore[arg-type]
                    Finding.confirmed.is_(True),  # type: ignore[attr-defined]
                    Finding.opened_at >= month_start(month_of(utcnow())),  # type: ignore[operator]
                )
            ).scalar_one()
        )


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_the_area_table_is_printed_and_laid_out(
    lang: str, admin: TestClient, db: Database, busy_district: BusyDistrict
) -> None:
    month = month_of(utcnow())
    response = admin.get(
        f"/inspector/reports/districts/{BUSY_DISTRICT}.pdf?month={month}&lang={lang}"
    )
    assert response.status_code == 200, response.text[:300]
    pdf = response.content
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
        keep = os.environ.get("SAFEYARD_OUTCOMES_PNG")
        if keep:
            (Path(keep) / f"areas-{lang}.pdf").write_bytes(pdf)
            for number, page in enumerate(document.pages, start=1):
                page.to_image(resolution=80).save(Path(keep) / f"areas-{lang}-{number}.png")
    flat = " ".join(text.split())
    assert TITLES[lang] in flat
    section = flat.split(TITLES[lang], 1)[1]
    area = busy_district.micro_district_id
    opened = _opened(db, area)
    assert opened > 0
    # The area's row (its id printed under its name): opened, fixed 0, verified 0,
    # reopened 0; nothing of it is owed overdue yet ("0 of N").
    assert area in section
    assert f"{opened} 0 0 0" in section
    assert {"ru": f"(0 из {opened})", "kk": f"({opened} ішінен 0)", "en": f"(0 of {opened})"}[
        lang
    ] in section
    assert not layout_defects(pdf)


def test_the_numbers_are_the_maps(
    db: Database, registry: ChecklistRegistry, settings: Settings, busy_district: BusyDistrict
) -> None:
    with db.session() as session:
        report = area_report(
            session,
            registry=registry,
            settings=settings,
            shapes=load_area_shapes(session),
            lang="ru",
            month=month_of(utcnow()),
            district_id=BUSY_DISTRICT,
        )
    assert report.outcomes is not None
    on_map = {v.id: v.number for v in report.map_values if v.number is not None}
    rows = {a.area_id: a for a in report.outcomes.areas}
    problem = rows[busy_district.micro_district_id]
    assert problem.number is not None
    assert problem.number == on_map[busy_district.micro_district_id]
    for row in rows.values():
        assert row.number == (on_map.get(row.area_id) if row.area_id else None)
        if row.area_id:
            assert row.line.name
