"""The district report's map carries numbers the tables refer to; flags are a table of named
areas; the micro-district report shows one mean index for its month; the method is a page
the service serves."""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest
from fastapi.testclient import TestClient

from app.areas.shapes import load_area_shapes
from app.areas.trend import month_of
from app.channels.reports.district import area_report, map_numbers
from app.channels.reports.district_models import AreaReport
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from tests.reports.conftest import BUSY_DISTRICT, BusyDistrict

pytestmark = pytest.mark.slow


def _report(
    db: Database, registry: ChecklistRegistry, settings: Settings, **area: str
) -> AreaReport:
    with db.session() as session:
        return area_report(
            session,
            registry=registry,
            settings=settings,
            shapes=load_area_shapes(session),
            lang="ru",
            month=month_of(utcnow()),
            **area,
        )


def _words(pdf: bytes) -> list[list[str]]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [[w["text"] for w in page.extract_words()] for page in document.pages]


class TestMapNumbers:
    def test_numbers_run_over_the_table_then_flags_then_yards(self) -> None:
        assert map_numbers(["a", "b"], ["c", "a"], ["d", None, "b", "d"]) == {
            "a": 1,
            "b": 2,
            "c": 3,
            "d": 4,
        }

    def test_the_tables_and_the_map_agree(
        self,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        busy_district: BusyDistrict,
    ) -> None:
        report = _report(db, registry, settings, district_id=BUSY_DISTRICT)
        on_map = {v.id: v.number for v in report.map_values if v.number is not None}
        # The month's table is numbered 1..n, riskiest first, and so is the map.
        assert [a.number for a in report.areas] == list(range(1, len(report.areas) + 1))
        assert all(on_map[a.micro_district_id] == a.number for a in report.areas)
        # Every flagged area and every riskiest yard's area has its map number.
        assert report.flagged_areas and all(
            f.number is not None and on_map[f.area] == f.number for f in report.flagged_areas
        )
        assert report.worst_yards and all(
            y.area_number == on_map[y.micro_district_id]
            for y in report.worst_yards
            if y.micro_district_id
        )
        # Flags are named areas, never a bare code.
        assert all(f.area_name and f.area_name != f.area for f in report.flagged_areas)
        problem = next(f for f in report.flagged_areas if f.area == busy_district.micro_district_id)
        # The figure beside its threshold, with the locale's decimal comma (the figure itself
        # depends on the city mean, which other tests' yards move).
        assert problem.code == "problem_area"
        assert re.search(
            r"^Риск \d{2}(,\d)?–\d{2,3}(,\d)? \(интервал 80 %\); вероятность, что истинное среднее "
            r"не ниже 50: \d+\xa0%",
            problem.reason,
        ), problem.reason

    def test_the_pdf_draws_the_numbers_on_the_map(
        self,
        admin: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        busy_district: BusyDistrict,
    ) -> None:
        report = _report(db, registry, settings, district_id=BUSY_DISTRICT)
        numbered = sorted(v.number for v in report.map_values if v.number is not None)
        month = month_of(utcnow())
        pdf = admin.get(f"/inspector/reports/districts/{BUSY_DISTRICT}.pdf?month={month}&lang=ru")
        pages = _words(pdf.content)
        map_page = next(p for p in pages if "Карта" in p and "микрорайонов" in p)
        # From the map's heading to its legend: text that flows onto the map's page before
        # the heading (a long flags section) is not on the map.
        heading = next(
            i for i, w in enumerate(map_page) if w == "Карта" and map_page[i + 1] == "микрорайонов"
        )
        before_legend = map_page[heading : map_page.index("Оценка", heading)]
        assert sorted(int(w) for w in before_legend if w.isdigit()) == numbered
        text = " ".join(" ".join(p) for p in pages)
        assert all(f.area_name.split()[0] in text for f in report.flagged_areas)


class TestMicroDistrictReport:
    def test_one_mean_index_for_the_month(
        self, admin: TestClient, busy_district: BusyDistrict
    ) -> None:
        month = month_of(utcnow())
        url = f"/inspector/reports/micro-districts/{busy_district.micro_district_id}.pdf"
        text = " ".join(
            " ".join(p) for p in _words(admin.get(f"{url}?month={month}&lang=ru").content)
        )
        # The month's mean is the mean of its checks (the trend shows the same figure); the
        # district's per-yard table is not repeated for one micro-district.
        label = "Средний индекс риска по проверенным дворам"
        assert text.count("Средний индекс") == text.count(label) >= 1, text
        assert "Микрорайоны, проверенные за месяц" not in text
        assert "Оценка риска микрорайона за месяц" in text


class TestMethodologyLink:
    @pytest.mark.parametrize("lang", ["ru", "kk", "en"])
    def test_the_pdfs_point_at_the_services_own_page(
        self, lang: str, admin: TestClient, settings: Settings, busy_district: BusyDistrict
    ) -> None:
        url = f"{settings.public_base_url.rstrip('/')}/methodology"
        for path in (
            f"/yards/{busy_district.yard_id}/report.pdf",
            f"/inspector/reports/districts/{BUSY_DISTRICT}.pdf",
        ):
            text = " ".join(" ".join(p) for p in _words(admin.get(f"{path}?lang={lang}").content))
            assert url in text and "METHODOLOGY.md" not in text

    @pytest.mark.parametrize(
        ("lang", "heading"),
        [
            ("ru", "Как SafeYard рассчитывает индекс риска"),
            ("kk", "SafeYard тәуекел индексін қалай есептейді"),
            ("en", "How SafeYard computes the risk index"),
        ],
    )
    def test_the_page_is_public_and_shows_this_installations_limits(
        self, lang: str, heading: str, anonymous: TestClient, settings: Settings
    ) -> None:
        page = anonymous.get(f"/methodology?lang={lang}")
        assert page.status_code == 200 and heading in page.text
        assert str(settings.current_risk_window_days) in page.text
        assert str(settings.area_min_audited) in page.text
