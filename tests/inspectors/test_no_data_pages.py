"""The inspectors' pages: no number where there is no data, the month in progress said as
such, and links to the monthly PDFs only for those who may download them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.areas.monthly import checked_month
from app.areas.trend import shift_month
from app.checklists.loader import ChecklistRegistry
from app.platform.db import Database
from tests.factories import create_yard, new_location, post_submission
from tests.inspectors.conftest import HOME
from tests.inspectors.support import staff_client


def _empty_area(admin: TestClient) -> str:
    """A micro-district of HOME where no yard is known."""
    body = admin.get("/api/v1/micro-districts.geojson", params={"district": HOME}).json()
    return next(f["id"] for f in body["features"] if f["properties"]["yards_known"] == 0)


class TestNoDataPanel:
    def test_no_yard_known(self, admin: TestClient, inspector: TestClient) -> None:
        area = _empty_area(admin)
        html = inspector.get(f"/inspector/areas/{area}", params={"lang": "ru"}).text
        assert "Нет данных: здесь не известно ни одного двора." in html
        assert 'class="risk-number"' not in html and "/100" not in html
        assert 'data-state="no_yards"' in html

    def test_yards_known_nobody_checked(self, db: Database, inspector: TestClient) -> None:
        with db.session() as session:
            yard = create_yard(session, location=new_location(own_area=True))
            session.commit()
            area = yard.micro_district_id
        html = inspector.get(f"/inspector/areas/{area}", params={"lang": "kk"}).text
        assert "Дерек жоқ: мұнда аулалар белгілі" in html
        assert 'data-state="not_checked"' in html and 'class="risk-number"' not in html

    def test_audited_area_shows_its_figure(
        self, client: TestClient, registry: ChecklistRegistry, inspector: TestClient
    ) -> None:
        created = post_submission(client, registry.current, location=new_location(own_area=True))
        html = inspector.get(f"/inspector/areas/{created['micro_district_id']}").text
        assert re.search(r'class="risk-number">\d', html)


class TestMonthInProgress:
    def test_this_month_says_so(self, inspector: TestClient) -> None:
        this_month = checked_month(None)
        html = inspector.get(f"/inspector/districts/{HOME}/monthly", params={"lang": "ru"}).text
        assert "месяц ещё не закончился" in html
        assert "сравнивается с прошлым месяцем целиком" in html
        earlier = inspector.get(
            f"/inspector/districts/{HOME}/monthly",
            params={"lang": "ru", "month": shift_month(this_month, -1)},
        ).text
        assert "месяц ещё не закончился" not in earlier
        assert "month-in-progress" not in earlier

    def test_kazakh_month_year_first(self, inspector: TestClient) -> None:
        html = inspector.get(f"/inspector/districts/{HOME}/monthly", params={"lang": "kk"}).text
        year = checked_month(None)[:4]
        assert f"{year} жылғы " in html


class TestPdfLinks:
    def test_district_inspector_gets_both_reports(self, inspector: TestClient) -> None:
        month = checked_month(None)
        html = inspector.get(f"/inspector/districts/{HOME}/monthly", params={"lang": "kk"}).text
        link = f"/inspector/reports/districts/{HOME}.pdf?month={month}&amp;lang=kk"
        assert f'href="{link}"' in html

    def test_area_panel_links(
        self, client: TestClient, registry: ChecklistRegistry, inspector: TestClient
    ) -> None:
        created = post_submission(client, registry.current, location=new_location(own_area=True))
        area = created["micro_district_id"]
        month = checked_month(None)
        html = inspector.get(f"/inspector/areas/{area}", params={"lang": "en"}).text
        area_pdf = f"/inspector/reports/micro-districts/{area}.pdf?month={month}&amp;lang=en"
        assert f'href="{area_pdf}"' in html
        assert f'href="/inspector/reports/districts/{HOME}.pdf?month={month}&amp;lang=en"' in html
        pdf = inspector.get(area_pdf.replace("&amp;", "&"))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    def test_area_inspector_gets_no_district_links(
        self, client: TestClient, db: Database, registry: ChecklistRegistry
    ) -> None:
        created = post_submission(client, registry.current, location=new_location(own_area=True))
        area = created["micro_district_id"]
        one_area = staff_client(client.app, db, UserRole.inspector, micro_districts=[area])
        html = one_area.get(f"/inspector/areas/{area}", params={"lang": "ru"}).text
        assert f"/inspector/reports/micro-districts/{area}.pdf" in html
        assert "/inspector/reports/districts/" not in html
        assert f"/inspector/districts/{HOME}/monthly" not in html
        assert one_area.get(f"/inspector/reports/districts/{HOME}.pdf").status_code == 403
