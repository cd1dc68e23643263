"""The demo's synthetic offences (``app.demo.offences``): the rate they are drawn at, both
windows, the article mix, points inside their area, one import per seed, labelled synthetic;
and the demo load end to end: ``safeyard demo`` stores them and a validation run, and the
dashboard, the monthly page and the evidence panel say "synthetic" (in Russian)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from app.accounts.models import UserRole
from app.channels.cli.main import cli
from app.demo.offences import ARTICLES, FRAUD_SHARE, demo_cut_off, generate_offences
from app.districts.models import District, MicroDistrict
from app.offences import queries
from app.offences.models import Offence, OffenceImport
from app.platform.config import Settings, get_settings
from app.platform.db import Database
from app.validation.dataset import add_months
from app.validation.models import ValidationRun
from tests.inspectors.support import staff_client

AS_OF = date(2025, 3, 1)
DISTRICT = "almaly"


def almaly_areas(session: Session) -> list[str]:
    return list(
        session.execute(select(MicroDistrict.id).where(MicroDistrict.district_id == DISTRICT))
        .scalars()
        .all()
    )


def stored(session: Session, batch: OffenceImport) -> list[Offence]:
    return list(session.execute(select(Offence).where(Offence.import_id == batch.id)).scalars())


class TestGenerateOffences:
    def test_the_base_rate_in_both_windows(self, session: Session) -> None:
        # No district effect and no over-dispersion: each year's count is Poisson around
        # 115 per 10,000 of the district's 262,521 residents (the demo's 2023 figure) = 3,019.
        district = session.get(District, DISTRICT)
        assert district is not None and district.population == 262_521
        population = district.population
        batch = generate_offences(
            session,
            seed=1,
            as_of=AS_OF,
            dispersion=0,
            district_sd=0,
            area_ids=almaly_areas(session),
        )
        rows = stored(session, batch)
        before = [o for o in rows if o.occurred_on < AS_OF]
        after = [o for o in rows if o.occurred_on >= AS_OF]
        expected = 115 * population / 10_000  # 3,018.99, Poisson SD 55
        for window in (before, after):
            assert abs(len(window) - expected) < 4 * expected**0.5
            fraud = sum(o.article == "190" for o in window)
            assert abs(fraud - FRAUD_SHARE * expected) < 4 * (FRAUD_SHARE * expected) ** 0.5
        assert min(o.occurred_on for o in rows) >= date(2024, 3, 1)
        assert max(o.occurred_on for o in rows) < add_months(AS_OF, 12)
        assert batch.date_from == min(o.occurred_on for o in rows)
        assert {o.district_id for o in rows} == {DISTRICT}

    def test_articles_and_their_severity(self, session: Session) -> None:
        batch = generate_offences(session, seed=2, as_of=AS_OF, area_ids=almaly_areas(session))
        rows = stored(session, batch)
        severity = {article: level for article, _, level in ARTICLES} | {"190": 2}
        assert all(o.severity == severity[o.article] for o in rows)
        counts = Counter(o.article for o in rows)
        # Theft the commonest after fraud, as in the city's registered crime.
        assert [a for a, _ in counts.most_common(2)] in (["188", "190"], ["190", "188"])
        assert set(counts) <= set(severity)

    def test_points_inside_their_area(self, session: Session) -> None:
        batch = generate_offences(session, seed=3, as_of=AS_OF, area_ids=almaly_areas(session))
        rows = stored(session, batch)
        in_district = select(MicroDistrict).where(MicroDistrict.district_id == DISTRICT)
        polygons = {
            a.id: shape(json.loads(a.geometry)) for a in session.execute(in_district).scalars()
        }
        assert rows and all(
            shapely.contains_xy(polygons[o.micro_district_id], o.lon, o.lat) for o in rows
        )

    def test_one_import_per_seed_labelled_synthetic(self, session: Session) -> None:
        areas = almaly_areas(session)[:10]
        first = generate_offences(session, seed=4, as_of=AS_OF, area_ids=areas)
        again = generate_offences(session, seed=4, as_of=AS_OF, area_ids=areas)
        other = generate_offences(session, seed=5, as_of=AS_OF, area_ids=areas)

        assert first.rows_new > 0 and again.rows_new == 0
        assert again.rows_known == again.rows_read == first.rows_read
        assert other.rows_new == other.rows_read  # another seed, other offences
        assert first.synthetic and first.file_format == "synthetic"
        assert "synthetic" in first.source and "not registered crime" in first.source
        assert "seed 4" in first.source and "rate ratio 1.35" in first.source
        assert all(o.synthetic for o in stored(session, first))
        assert queries.coverage(session).synthetic


class TestDemoCutOff:
    def test_twelve_months_before_today(self) -> None:
        assert demo_cut_off(date(2026, 12, 6)) == date(2025, 12, 6)
        assert demo_cut_off(date(2028, 2, 29)) == date(2027, 2, 28)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """``safeyard demo`` at a small size (the campaign: 10 areas) on a database of its own."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SAFEYARD_DATABASE_URL", url)
        get_settings.cache_clear()
        args = ["demo", "--yards", "40", "--submissions", "200", "--seed", "7"]
        args += ["--audited-areas", "10"]
        first = CliRunner().invoke(cli, args)
        assert first.exit_code == 0, first.output
        assert "synthetic offences (not registered crime)" in first.output
        again = CliRunner().invoke(cli, args)
        assert again.exit_code == 0, again.output
        assert "0 new" in again.output and "stored already" in again.output
    get_settings.cache_clear()
    db = Database(url)
    yield db
    db.dispose()


@pytest.mark.slow
class TestDemoLoad:
    def test_offences_and_one_validation_run(self, demo_db: Database) -> None:
        with demo_db.session() as session:
            imports = session.execute(select(OffenceImport)).scalars().all()
            runs = session.execute(select(ValidationRun)).scalars().all()
            offences = session.execute(select(func.count()).select_from(Offence)).scalar_one()
        assert len(imports) == 1 and imports[0].synthetic and offences > 40_000
        assert len(runs) == 1 and runs[0].synthetic and runs[0].result["synthetic"] is True
        assert runs[0].result["data"]["as_of"] == demo_cut_off().isoformat()
        assert runs[0].result["data"]["audits"]["yards"] >= 30

    def test_pages_say_synthetic(self, demo_db: Database, tmp_path: Path) -> None:
        from app.main import create_app

        settings = Settings(database_url=demo_db.url, data_dir=tmp_path, api_docs=True)
        with TestClient(create_app(settings)) as app_client:
            inspector = staff_client(app_client.app, demo_db, UserRole.inspector, city_wide=True)
            pages = {
                "dashboard": "/inspector?lang=ru",
                "monthly": f"/inspector/districts/{DISTRICT}/monthly?lang=ru",
                "evidence": "/inspector/evidence?lang=ru",
            }
            for name, url in pages.items():
                response = inspector.get(url)
                assert response.status_code == 200, (name, response.text[:500])
                assert "синтетическ" in response.text.lower(), name
