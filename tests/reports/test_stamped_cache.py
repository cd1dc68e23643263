"""The report cache asked by data stamp: a cached report answers without its figures being
gathered, a change that alters a report makes a new one, and the access check runs first."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import UserRole
from app.channels.reports import downloads
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.pdf.renderer import PdfRenderer
from app.yards import service as yards_service
from tests.factories import answers_for
from tests.reports.conftest import DISTRICT, OTHER_DISTRICT, add_yard, read_pdf, staff, submit


def reports_of(client: TestClient) -> PdfRenderer:
    reports: PdfRenderer = client.app.state.context.pdf  # type: ignore[attr-defined]
    return reports


def _never(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a cached report gathered its figures")


class TestStampedCache:
    def test_a_cached_district_month_gathers_no_figures_and_a_new_audit_renews_it(
        self,
        admin: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        url = f"/inspector/reports/districts/{DISTRICT}.pdf?lang=en"
        first = admin.get(url)
        assert first.status_code == 200
        renders = reports_of(admin).renders
        with monkeypatch.context() as patched:
            patched.setattr(downloads, "area_report", _never)
            again = admin.get(url)
        assert again.status_code == 200 and again.content == first.content
        assert reports_of(admin).renders == renders
        # An inspector's audit in the district changes its month: a new PDF, not the old one.
        yard_id, _micro = add_yard(db, index=11, address="ул. Рыскулова 40")
        audit = answers_for(registry.current, pick="worst", role="inspector")
        submit(db, registry, settings, yard_id=yard_id, role="inspector", answers=audit)
        changed = admin.get(url)
        assert reports_of(admin).renders == renders + 1
        assert changed.content != first.content
        assert read_pdf(changed.content).text != read_pdf(first.content).text

    def test_a_cached_yard_report_gathers_nothing_and_a_new_name_renews_it(
        self,
        admin: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        yard_id, _micro = add_yard(db, index=12, address="ул. Толе би 12")
        answers = answers_for(registry.current, pick="worst")
        submit(db, registry, settings, yard_id=yard_id, role="resident", answers=answers)
        url = f"/yards/{yard_id}/report.pdf?lang=en"
        first = admin.get(url)
        renders = reports_of(admin).renders
        with monkeypatch.context() as patched:
            patched.setattr(downloads, "yard_report", _never)
            assert admin.get(url).content == first.content
        assert reports_of(admin).renders == renders
        # A new public name (no submission, no risk row rewritten) is shown: a new PDF.
        with db.write_session() as session:
            yards_service.set_public_name(session, yard_id=yard_id, name="Двор у фонтана")
        renamed = admin.get(url)
        assert reports_of(admin).renders == renders + 1
        assert "Двор у фонтана" in read_pdf(renamed.content).text
        assert "Двор у фонтана" not in read_pdf(first.content).text

    def test_the_access_check_runs_before_the_cache(
        self,
        client: TestClient,
        admin: TestClient,
        anonymous: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
    ) -> None:
        yard_id, micro = add_yard(db, index=13, address="ул. Жандосова 3")
        answers = answers_for(registry.current, pick="worst")
        submit(db, registry, settings, yard_id=yard_id, role="resident", answers=answers)
        urls = [
            f"/yards/{yard_id}/report.pdf?lang=en",
            f"/inspector/reports/districts/{DISTRICT}.pdf?lang=en",
            f"/inspector/reports/micro-districts/{micro}.pdf?lang=en",
        ]
        for url in urls:  # all three in the cache now
            assert admin.get(url).status_code == 200
        renders = reports_of(admin).renders
        elsewhere = staff(client, db, UserRole.inspector, districts=[OTHER_DISTRICT])
        other_coop = staff(client, db, UserRole.cooperative, yards=[])
        for url in urls:
            assert elsewhere.get(url).status_code == 403, url
            assert other_coop.get(url).status_code in (401, 403), url
            refused = anonymous.get(url, follow_redirects=False)
            assert refused.status_code in (302, 303, 401, 403), url
            assert not refused.content.startswith(b"%PDF")
        assert reports_of(admin).renders == renders
