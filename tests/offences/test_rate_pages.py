"""Offence rates beside the index: the dashboard, the district's monthly page and PDF, and
``/api/v1/districts`` (app/channels/staff/rate_views.py, app/channels/reports/district_rates.py,
app/channels/api/offences_schema.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pdfplumber
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.accounts.models import UserRole
from app.offences.models import Offence, OffenceImport
from app.platform.db import Database
from tests.inspectors.support import staff_client

# 30 offences in Almaly in 2026 (data to 31 Oct 2026: the window Nov 2025 - Oct 2026).
ALMALY_OFFENCES = 30
ALMALY_POPULATION = 262_521
MONTH = "2026-10"


def _commit_offences(db: Database, *, synthetic: bool) -> None:
    with db.write_session() as session:
        imp = OffenceImport(
            source="SafeYard demo" if synthetic else "KPSSU crime map (gis.kgp.kz)",
            file_name="crime.csv",
            file_format="csv",
            file_sha256=("1" if synthetic else "2") * 64,
            synthetic=synthetic,
        )
        session.add(imp)
        session.flush()
        assert imp.id is not None
        for n in range(ALMALY_OFFENCES):
            day = date(2026, 10, 31) if n == 0 else date(2026, 1 + n % 9, 1 + n % 27)
            session.add(
                Offence(
                    source_key=f"page-{synthetic}-{n}",
                    import_id=imp.id,
                    occurred_on=day,
                    article="188",
                    lat=43.25,
                    lon=76.92,
                    district_id="almaly",
                    synthetic=synthetic,
                )
            )


def _clear(db: Database) -> None:
    with db.write_session() as session:
        session.execute(delete(Offence))
        session.execute(delete(OffenceImport))


@pytest.fixture
def registered(db: Database) -> Iterator[None]:
    _commit_offences(db, synthetic=False)
    yield
    _clear(db)


@pytest.fixture
def synthetic(db: Database) -> Iterator[None]:
    _commit_offences(db, synthetic=True)
    yield
    _clear(db)


@pytest.fixture(scope="module")
def admin(client: TestClient, db: Database) -> TestClient:
    return staff_client(client.app, db, UserRole.admin)


@pytest.fixture(scope="module")
def inspector(client: TestClient, db: Database) -> TestClient:
    return staff_client(client.app, db, UserRole.inspector, districts=["almaly"])


def per_10k(lang: str) -> str:
    value = f"{ALMALY_OFFENCES / ALMALY_POPULATION * 10_000:.1f}"  # 1.1
    return value.replace(".", ",") if lang in ("ru", "kk") else value


class TestDashboard:
    def test_no_offence_data(self, admin: TestClient) -> None:
        page = admin.get("/inspector?lang=ru").text
        assert "safeyard import-offences" in page

    def test_rate_source_and_period(self, admin: TestClient, registered: None) -> None:
        page = admin.get("/inspector?lang=ru").text
        assert "Преступления на 10" in page
        assert "KPSSU crime map (gis.kgp.kz)" in page
        assert "ноябрь 2025" in page and "октябрь 2026" in page
        assert f">{per_10k('ru')}<" in page
        assert "синтетические данные" not in page

    def test_synthetic_is_labelled(self, admin: TestClient, synthetic: None) -> None:
        page = admin.get("/inspector?lang=kk").text
        assert "синтетикалық деректер" in page

    def test_sorted_by_offences(self, admin: TestClient, registered: None) -> None:
        page = admin.get("/inspector?lang=en&sort=offences").text
        table = page[page.index('id="district-table"') :]
        assert table.index("Almaly") < table.index("Auezov")


class TestMonthlyPage:
    def test_district_and_city(self, inspector: TestClient, registered: None) -> None:
        page = inspector.get(f"/inspector/districts/almaly/monthly?month={MONTH}&lang=ru").text
        assert "Зарегистрированные преступления на 10" in page
        assert f"<strong>{per_10k('ru')}</strong>" in page
        assert "Город" in page

    def test_another_district_is_refused(self, inspector: TestClient, registered: None) -> None:
        response = inspector.get(f"/inspector/districts/medeu/monthly?month={MONTH}")
        assert response.status_code == 403


class TestApi:
    def test_offences_per_district(self, admin: TestClient, registered: None) -> None:
        found = {d["id"]: d for d in admin.get("/api/v1/districts").json()["districts"]}
        almaly = found["almaly"]["offences"]
        assert almaly["count"] == ALMALY_OFFENCES
        assert almaly["per_10k"] == pytest.approx(1.14, abs=0.005)
        assert almaly["per_100k"] == pytest.approx(11.4, abs=0.05)
        assert almaly["window"] == {
            "first_day": "2025-11-01",
            "last_day": "2026-10-31",
            "months": 12,
        }
        assert almaly["synthetic"] is False
        assert found["medeu"]["offences"]["count"] == 0

    def test_none_imported(self, admin: TestClient) -> None:
        found = admin.get("/api/v1/districts").json()["districts"]
        assert all(d["offences"] is None for d in found)

    def test_documented(self, admin: TestClient) -> None:
        schema = admin.get("/api/openapi.json")
        if schema.status_code == 404:
            schema = admin.get("/openapi.json")
        assert "DistrictOffences" in schema.json()["components"]["schemas"]


@pytest.mark.slow
class TestPdf:
    @pytest.mark.parametrize(
        ("lang", "title", "city"),
        [
            ("ru", "Зарегистрированные преступления на 10", "Город"),
            ("kk", "10 000 тұрғынға тіркелген қылмыстар", "Қала"),
        ],
    )
    def test_rates_printed(
        self, admin: TestClient, registered: None, lang: str, title: str, city: str
    ) -> None:
        response = admin.get(f"/inspector/reports/districts/almaly.pdf?month={MONTH}&lang={lang}")
        assert response.status_code == 200
        with pdfplumber.open(io.BytesIO(response.content)) as document:
            text = "\n".join(page.extract_text() or "" for page in document.pages)
        flat = text.replace("\u00a0", " ")
        assert title.replace("\u00a0", " ") in flat
        assert per_10k(lang) in text
        assert city in text
        assert "KPSSU crime map" in text

    def test_a_new_import_is_a_new_report(self, admin: TestClient, db: Database) -> None:
        url = f"/inspector/reports/districts/almaly.pdf?month={MONTH}&lang=ru"
        before = admin.get(url).content
        _commit_offences(db, synthetic=True)
        try:
            after = admin.get(url).content
        finally:
            _clear(db)
        assert before != after
