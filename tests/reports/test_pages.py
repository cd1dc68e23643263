"""The PDF reports read back: the right figures, language, items and fonts; who may
download them; the cache; the download's file name."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import UserRole
from app.areas.trend import month_of
from app.channels.reports.yard import almaty_date
from app.checklists.loader import ChecklistRegistry
from app.districts.models import District
from app.platform.config import Settings
from app.platform.db import Database, utcnow
from app.platform.pdf.renderer import PdfRenderer
from app.yards.risk import current_risk
from tests.factories import answers_for, new_location, post_submission, submission_body
from tests.reports.conftest import (
    ADDRESS,
    DISTRICT,
    OTHER_DISTRICT,
    ReportYard,
    add_yard,
    embedded_fonts,
    read_pdf,
    staff,
    submit,
)

# The Kazakh letters the report's own words use (һ, rare, is checked in test_fonts.py).
KAZAKH_LETTERS = "әғқңөұүі"
HEADINGS = {
    "ru": ("Отчёт о безопасности двора", "Что исправить в первую очередь", "Кто отвечает"),
    "kk": ("Аула қауіпсіздігі туралы есеп", "Алдымен осыларды түзетіңіз", "Кім жауапты"),
    "en": ("Yard safety report", "Fix these first", "Who is responsible"),
}
YARD_WORD = {"ru": "Двор № {id}", "kk": "№ {id} аула", "en": "Yard no. {id}"}
LIGHTING = {
    "ru": "Освещён ли двор ночью?",
    "kk": "Түнде аулада жарық бар ма?",
    "en": "Is the yard lit at night?",
}


def reports_of(client: TestClient) -> PdfRenderer:
    reports: PdfRenderer = client.app.state.context.pdf  # type: ignore[attr-defined]
    return reports


class TestYardReport:
    @pytest.mark.parametrize("lang", ["ru", "kk", "en"])
    def test_reads_back_in_the_language(
        self,
        lang: str,
        admin: TestClient,
        report_yard: ReportYard,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
    ) -> None:
        response = admin.get(f"/yards/{report_yard.yard_id}/report.pdf?lang={lang}")
        assert response.status_code == 200, response.text[:500]
        assert response.headers["content-type"] == "application/pdf"
        pdf = read_pdf(response.content)
        assert 1 <= pdf.pages <= 6
        for heading in HEADINGS[lang]:
            assert heading in pdf.text, (heading, pdf.text[:800])
        # The figures of the yard's current risk (the inspector audit), as the page writes them.
        with db.session() as session:
            current = current_risk(
                session,
                yard_id=report_yard.yard_id,
                registry=registry,
                window_days=settings.current_risk_window_days,
                lang=lang,  # type: ignore[arg-type]
            )
        assert current.basis == "inspector_audit" and current.score is not None
        index = f"{current.score.risk_index:.1f}".replace(".", "," if lang != "en" else ".")
        assert index.removesuffix(",0").removesuffix(".0") in pdf.text
        # Named by its number: the address its first sender typed is never printed.
        assert ADDRESS not in pdf.text and report_yard.micro_district_id in pdf.text
        assert YARD_WORD[lang].format(id=report_yard.yard_id) in pdf.text
        assert registry.current.version in pdf.text
        # The failing items of the audit, with the remedy and who is responsible.
        assert LIGHTING[lang] in pdf.text
        remedies = [f.remedy for f in current.score.top_factors]
        assert all(" ".join(r.split())[:40] in pdf.text for r in remedies)
        assert all(p.label in pdf.text for f in current.score.top_factors for p in f.responsible)
        if lang == "kk":
            assert set(KAZAKH_LETTERS) <= set(pdf.text)

    def test_fonts_embedded_photos_and_qr(self, admin: TestClient, report_yard: ReportYard) -> None:
        pdf = read_pdf(admin.get(f"/yards/{report_yard.yard_id}/report.pdf?lang=kk").content)
        fonts = embedded_fonts(pdf.reader)
        assert fonts and all(fonts.values()), fonts
        assert any("DejaVu" in name for name in fonts)
        # The audit has no photo: the resident's photo shows in the resident's own report.
        images = [image for page in pdf.reader.pages for image in page.images]
        assert images == []

    def test_a_yard_of_two_checks_carries_its_interval(
        self, admin: TestClient, client: TestClient, registry: ChecklistRegistry
    ) -> None:
        where = new_location()
        first = post_submission(client, registry.current, location=where)
        body = submission_body(registry.current, location=where)
        body["answers"] = answers_for(registry.current, pick="best")
        assert client.post("/api/v1/submissions", json=body).status_code == 201
        api = client.get(f"/api/v1/yards/{first['yard_id']}").json()
        low, high = api["current"]["risk_low"], api["current"]["risk_high"]
        assert low is not None and high is not None and low < high
        pdf = read_pdf(admin.get(f"/yards/{first['yard_id']}/report.pdf?lang=en").content)
        assert "Likely range (80% interval)" in pdf.text

    def test_a_yard_nobody_checked(self, admin: TestClient, db: Database) -> None:
        yard_id, _micro = add_yard(db, index=5, address=None)
        pdf = read_pdf(admin.get(f"/yards/{yard_id}/report.pdf?lang=en").content)
        assert f"Yard no. {yard_id}" in pdf.text
        assert "Nobody has checked this yard" in pdf.text
        assert pdf.pages <= 3


class TestSubmissionReport:
    def test_the_resident_gets_their_own_check(
        self, anonymous: TestClient, report_yard: ReportYard
    ) -> None:
        response = anonymous.get(f"/result/{report_yard.submission_id}/report.pdf?lang=ru")
        assert response.status_code == 200
        pdf = read_pdf(response.content)
        assert "Результат проверки двора" in pdf.text
        assert "100" in pdf.text  # every answer at its worst
        assert "Критический риск" in pdf.text
        assert "По одной проверке двора" in pdf.text
        # WeasyPrint lists a document's images in every page's resources: count them once.
        images = {image.name for page in pdf.reader.pages for image in page.images}
        assert len(images) == 1  # the lighting question's photo, as a thumbnail
        assert 1 <= pdf.pages <= 6

    def test_unknown_submission_is_a_404(self, anonymous: TestClient) -> None:
        unknown = "3f2c7d0e-8a4b-4c1e-9d7a-1b2c3d4e5f60"
        assert anonymous.get(f"/result/{unknown}/report.pdf").status_code == 404
        # Not a version 4 UUID: refused before any look-up (tests/security/test_capabilities.py).
        assert anonymous.get("/result/nope/report.pdf").status_code == 422


class TestYardReportAccess:
    def url(self, report_yard: ReportYard) -> str:
        return f"/yards/{report_yard.yard_id}/report.pdf"

    def test_anonymous_is_sent_to_login(
        self, anonymous: TestClient, report_yard: ReportYard
    ) -> None:
        response = anonymous.get(self.url(report_yard), follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")

    def test_the_linked_cooperative_gets_it_others_not(
        self, client: TestClient, db: Database, report_yard: ReportYard
    ) -> None:
        linked = staff(client, db, UserRole.cooperative, yards=[report_yard.yard_id])
        assert linked.get(self.url(report_yard)).status_code == 200
        other = staff(client, db, UserRole.cooperative)
        assert other.get(self.url(report_yard)).status_code == 403

    def test_inspectors_in_scope(
        self, client: TestClient, db: Database, report_yard: ReportYard
    ) -> None:
        by_micro = staff(
            client, db, UserRole.inspector, micro_districts=[report_yard.micro_district_id]
        )
        assert by_micro.get(self.url(report_yard)).status_code == 200
        elsewhere = staff(client, db, UserRole.inspector, districts=[OTHER_DISTRICT])
        assert elsewhere.get(self.url(report_yard)).status_code == 403

    def test_unknown_yard(self, admin: TestClient, district_inspector: TestClient) -> None:
        assert admin.get("/yards/99999999/report.pdf").status_code == 404
        assert district_inspector.get("/yards/99999999/report.pdf").status_code == 403

    def test_download_link_on_the_yard_page_only_for_those_allowed(
        self, admin: TestClient, anonymous: TestClient, report_yard: ReportYard
    ) -> None:
        link = f'href="/yards/{report_yard.yard_id}/report.pdf"'
        assert link in admin.get(f"/yards/{report_yard.yard_id}").text
        assert link not in anonymous.get(f"/yards/{report_yard.yard_id}").text

    def test_download_link_on_the_result_page(
        self, anonymous: TestClient, report_yard: ReportYard
    ) -> None:
        page = anonymous.get(f"/result/{report_yard.submission_id}?lang=en").text
        assert f'href="/result/{report_yard.submission_id}/report.pdf"' in page


class TestAreaReports:
    def test_district_month_for_its_inspector(
        self, district_inspector: TestClient, report_yard: ReportYard, db: Database
    ) -> None:
        month = month_of(utcnow())
        response = district_inspector.get(
            f"/inspector/reports/districts/{DISTRICT}.pdf?month={month}&lang=kk"
        )
        assert response.status_code == 200, response.text[:500]
        pdf = read_pdf(response.content)
        with db.session() as session:
            name = session.exec(select(District.name_kk).where(District.id == DISTRICT)).one()
        assert "Аудан бойынша ай сайынғы есеп" in pdf.text
        assert " ".join(name.split()) in pdf.text
        assert "Шағын аудандар картасы" in pdf.text and "OpenStreetMap" in pdf.text
        assert "Ең жиі кездесетін мәселелер" in pdf.text
        assert LIGHTING["kk"] in pdf.text  # the audit's failing item is among the common ones
        assert str(report_yard.yard_id) in pdf.text  # among the riskiest yards of the month
        assert set(KAZAKH_LETTERS) <= set(pdf.text)
        assert 1 <= pdf.pages <= 8
        fonts = embedded_fonts(pdf.reader)
        assert fonts and all(fonts.values())
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment; ")
        assert f'filename="safeyard-district-{DISTRICT}-{month}.pdf"' in disposition
        assert unquote(disposition.split("filename*=UTF-8''", 1)[1]).endswith(f"-{month}.pdf")

    def test_micro_district_month(
        self, district_inspector: TestClient, report_yard: ReportYard
    ) -> None:
        micro = report_yard.micro_district_id
        response = district_inspector.get(f"/inspector/reports/micro-districts/{micro}.pdf?lang=en")
        assert response.status_code == 200
        pdf = read_pdf(response.content)
        assert "Monthly micro-district report" in pdf.text and micro in pdf.text
        assert "Is the yard lit at night?" in pdf.text
        # Inspector-audited and resident-only yards apart (issue 13).
        assert "Of these, inspected:" in " ".join(pdf.text.split())

    def test_out_of_scope_and_bad_month(
        self, client: TestClient, db: Database, report_yard: ReportYard, admin: TestClient
    ) -> None:
        elsewhere = staff(client, db, UserRole.inspector, districts=[OTHER_DISTRICT])
        micro = report_yard.micro_district_id
        assert elsewhere.get(f"/inspector/reports/districts/{DISTRICT}.pdf").status_code == 403
        assert elsewhere.get(f"/inspector/reports/micro-districts/{micro}.pdf").status_code == 403
        assert (
            admin.get(f"/inspector/reports/districts/{DISTRICT}.pdf?month=2026-13").status_code
            == 422
        )
        assert admin.get("/inspector/reports/districts/atlantis.pdf").status_code == 404
        cooperative = staff(client, db, UserRole.cooperative, yards=[report_yard.yard_id])
        assert cooperative.get(f"/inspector/reports/districts/{DISTRICT}.pdf").status_code == 403


class TestCache:
    def test_an_unchanged_yard_renders_once_a_change_renders_again(
        self,
        admin: TestClient,
        db: Database,
        registry: ChecklistRegistry,
        settings: Settings,
    ) -> None:
        yard_id, _micro = add_yard(db, index=7, address="ул. Кабдолова 9")
        submit(
            db,
            registry,
            settings,
            yard_id=yard_id,
            role="resident",
            answers=answers_for(registry.current, pick="worst"),
        )
        url = f"/yards/{yard_id}/report.pdf?lang=ru"
        first = admin.get(url)
        renders = reports_of(admin).renders
        again = admin.get(url)
        assert again.content == first.content
        assert reports_of(admin).renders == renders  # served from the cache
        # Another language is another report.
        admin.get(f"/yards/{yard_id}/report.pdf?lang=en")
        assert reports_of(admin).renders == renders + 1
        # A new check changes what the report shows: a new key, a new render.
        submit(
            db,
            registry,
            settings,
            yard_id=yard_id,
            role="resident",
            answers=answers_for(registry.current, pick="best"),
        )
        changed = admin.get(url)
        assert reports_of(admin).renders == renders + 2
        assert changed.content != first.content
        assert "2 проверки жителей" in read_pdf(changed.content).text

    def test_content_disposition_is_readable(
        self, admin: TestClient, report_yard: ReportYard
    ) -> None:
        response = admin.get(f"/yards/{report_yard.yard_id}/report.pdf?lang=ru")
        disposition = response.headers["content-disposition"]
        today = almaty_date(utcnow()).isoformat()  # the report's date is Almaty's
        assert f'filename="safeyard-yard-{report_yard.yard_id}-{today}.pdf"' in disposition
        readable = unquote(disposition.split("filename*=UTF-8''", 1)[1])
        assert readable.startswith(f"safeyard-двор-{report_yard.yard_id}-")
        assert response.headers["cache-control"] == "private, no-cache"
