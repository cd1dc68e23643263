"""Every page and PDF that shows inspectors an index says what it is and is not (issue 13):
conditions that make crime easier, not a count or a forecast of crime."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry
from app.platform import translations
from app.platform.config import Settings
from app.platform.db import Database
from tests.factories import new_location, store_submission
from tests.inspectors.support import staff_client

DISTRICT = "turksib"
# The statement's second sentence in each language, as the catalogs hold it.
NOT_A_COUNT = {
    "ru": "Это не число преступлений и не прогноз преступности.",
    "kk": "Бұл қылмыстар саны да, қылмыс болжамы да емес.",
    "en": "It is not a count of crimes and not a forecast of crime.",
}
LANGS = tuple(NOT_A_COUNT)


def _words(text: str) -> str:
    """Markup and line breaks out, single spaces: PDF extraction breaks lines anywhere."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), data[:40]
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


@pytest.fixture(scope="module")
def inspector(client: TestClient, db: Database) -> TestClient:
    """An inspector of DISTRICT: sees its map, panels, monthly page and reports."""
    return staff_client(client.app, db, UserRole.inspector, districts=[DISTRICT])


@pytest.fixture(scope="module")
def checked_yard(
    db: Database, registry: ChecklistRegistry, settings: Settings
) -> Iterator[tuple[int, str]]:
    """A checked yard of its own in DISTRICT: (yard id, micro-district id)."""
    with db.write_session() as session:
        received = store_submission(
            session, registry=registry, settings=settings, location=new_location(DISTRICT)
        )
        yard_id = received.submission.yard_id
        micro = received.submission.micro_district_id
    assert yard_id is not None and micro is not None
    yield yard_id, micro


class TestCatalogs:
    @pytest.mark.parametrize("lang", LANGS)
    def test_the_statement_is_translated(self, lang: str) -> None:
        token = translations.current_lang.set(lang)  # type: ignore[arg-type]
        try:
            text = translations.gettext(
                "conditions that make crime easier (lighting, sightlines, access, upkeep). "
                "It is not a count of crimes and not a forecast of crime."
            )
        finally:
            translations.current_lang.reset(token)
        assert text.endswith(NOT_A_COUNT[lang])


@pytest.mark.parametrize("lang", LANGS)
class TestPages:
    def test_methodology(self, client: TestClient, lang: str) -> None:
        page = client.get(f"/methodology?lang={lang}")
        assert page.status_code == 200
        text = _words(page.text)
        assert NOT_A_COUNT[lang] in text and "2026.2" in text

    def test_map_legend_area_panel_and_monthly_page(
        self, inspector: TestClient, checked_yard: tuple[int, str], lang: str
    ) -> None:
        micro = checked_yard[1]
        map_page = inspector.get(f"/inspector?lang={lang}")
        assert map_page.status_code == 200
        legend = map_page.text.split('id="legend-title"', 1)[1].split("</section>", 1)[0]
        assert NOT_A_COUNT[lang] in _words(legend)
        panel = inspector.get(f"/inspector/areas/{micro}?lang={lang}")
        assert panel.status_code == 200 and NOT_A_COUNT[lang] in _words(panel.text)
        monthly = inspector.get(f"/inspector/districts/{DISTRICT}/monthly?lang={lang}")
        assert monthly.status_code == 200 and NOT_A_COUNT[lang] in _words(monthly.text)


@pytest.mark.parametrize("lang", LANGS)
class TestPdfs:
    def test_yard_district_and_micro_district_reports(
        self, inspector: TestClient, checked_yard: tuple[int, str], lang: str
    ) -> None:
        yard_id, micro = checked_yard
        yard = _pdf_text(inspector.get(f"/yards/{yard_id}/report.pdf?lang={lang}").content)
        district = _pdf_text(
            inspector.get(f"/inspector/reports/districts/{DISTRICT}.pdf?lang={lang}").content
        )
        area = _pdf_text(
            inspector.get(f"/inspector/reports/micro-districts/{micro}.pdf?lang={lang}").content
        )
        for text in (yard, district, area):
            assert NOT_A_COUNT[lang] in text
