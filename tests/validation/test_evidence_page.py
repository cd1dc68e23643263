"""The inspectors' evidence panel (/inspector/evidence): who may open it, the latest run's
figures in plain words with their intervals and data, the banner, the empty state."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.accounts.models import UserRole
from app.platform.db import Database
from app.validation.models import ValidationRun
from tests.accounts.support import fresh_client
from tests.inspectors.support import staff_client
from tests.validation.planted import planted_result

PAGE = "/inspector/evidence"


@pytest.fixture(scope="module")
def stored_run(db: Database) -> Iterator[int]:
    """The planted run, committed (the page reads it through its own session); removed after."""
    result = planted_result()
    with db.write_session() as session:
        run = ValidationRun(synthetic=True, method_version="1", result=result)
        session.add(run)
        session.flush()
        assert run.id is not None
        run_id = run.id
    yield run_id
    with db.write_session() as session:
        session.execute(delete(ValidationRun).where(ValidationRun.id == run_id))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def inspector(client: TestClient, db: Database) -> TestClient:
    return staff_client(client.app, db, UserRole.inspector, districts=["almaly"])


class TestAccess:
    def test_anonymous_to_login(self, client: TestClient) -> None:
        response = fresh_client(client.app).get(PAGE, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    @pytest.mark.parametrize("role", [UserRole.cooperative, UserRole.official])
    def test_other_roles_refused(self, client: TestClient, db: Database, role: UserRole) -> None:
        assert staff_client(client.app, db, role).get(PAGE).status_code == 403

    def test_admin(self, client: TestClient, db: Database, stored_run: int) -> None:
        assert staff_client(client.app, db, UserRole.admin).get(PAGE).status_code == 200


class TestFigures:
    def test_plain_words_with_intervals(self, inspector: TestClient, stored_run: int) -> None:
        result = planted_result()
        page = html.unescape(inspector.get(f"{PAGE}?lang=en").text)
        pai = result["pai"]["10"]
        hits = f"{pai['hit_rate'] * 100:.1f}".rstrip("0").rstrip(".")
        assert (
            f"In the areas with the highest 10% of risk, {hits}% of the next year's offences"
        ) in page
        low, high = (f"{x:.2f}".rstrip("0").rstrip(".") for x in pai["ci"])
        assert f"95% interval {low} to {high}" in page
        rho = result["spearman"]
        assert f"ρ = {rho['value']:.2f}".rstrip("0") in page
        assert "The interval resamples only 8 districts, so it is rough." in page

    def test_goals(self, inspector: TestClient, stored_run: int) -> None:
        page = inspector.get(f"{PAGE}?lang=en").text
        verdict = planted_result()["verdict"]
        assert verdict["correlation"]["status"] == "met"
        assert verdict["pai_10"]["status"] == "not_met"
        assert 'class="ev-goal ev-met"' in page and 'class="ev-goal ev-not_met"' in page
        assert "Rank correlation ρ ≥ 0.3" in page

    def test_the_data_it_rests_on(self, inspector: TestClient, stored_run: int) -> None:
        page = inspector.get(f"{PAGE}?lang=en").text
        assert "SafeYard demo (synthetic)" in page
        assert "160 areas with at least 3 audited yards in 8 districts" in page
        assert "June 1, 2025 – May 31, 2026" in page
        assert 'href="/methodology"' in page

    def test_synthetic_banner(self, inspector: TestClient, stored_run: int) -> None:
        assert "SYNTHETIC DATA" in inspector.get(f"{PAGE}?lang=en").text
        assert "СИНТЕТИЧЕСКИЕ ДАННЫЕ" in inspector.get(f"{PAGE}?lang=ru").text

    def test_kazakh(self, inspector: TestClient, stored_run: int) -> None:
        page = inspector.get(f"{PAGE}?lang=kk").text
        assert "СИНТЕТИКАЛЫҚ ДЕРЕКТЕР" in page
        assert "Rests on" not in page


class TestEmpty:
    def test_how_to_run(self, inspector: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("app.validation.service.latest_run", lambda session: None)
        page = inspector.get(f"{PAGE}?lang=en").text
        assert "No validation has been run yet" in page
        assert "safeyard validate" in page
        assert "SYNTHETIC DATA" not in page


class TestNav:
    def test_link_for_inspectors(self, inspector: TestClient) -> None:
        assert f'href="{PAGE}"' in inspector.get("/inspector/queue").text
