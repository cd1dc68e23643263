"""In Chromium, with JavaScript off as a plain browser would send it: the appeal form of a
yard says what is wrong (kept values, no serious accessibility violations) and then answers
the PDF as a download."""

from __future__ import annotations

import os

from tests.browser.conftest import axe_violations
from tests.reports.appeal_support import AppealYard, appeal_yard  # noqa: F401 (a fixture)

SHOTS = os.environ.get("SAFEYARD_APPEAL_SHOTS")  # a folder: save screenshots to look at


class TestAppealForm:
    def test_errors_then_the_pdf(self, browser, live_server: str, appeal_yard: AppealYard) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="kk-KZ", java_script_enabled=False
        )
        page = context.new_page()
        try:
            page.goto(f"{live_server}/yards/{appeal_yard.yard_id}/appeal?lang=kk")
            page.fill("#name", "Жұмабекова Әйгерім")
            page.fill("#iin", "900101300018")
            page.click("button[type=submit]")
            assert "соңғы (бақылау) цифры" in page.content()
            assert page.input_value("#name") == "Жұмабекова Әйгерім"
            if SHOTS:
                page.screenshot(path=f"{SHOTS}/form-kk-error.png", full_page=True)
            page.fill("#iin", "900101300017")
            with page.expect_download() as download:
                page.click("button[type=submit]")
            assert download.value.suggested_filename.endswith(".pdf")
        finally:
            context.close()

    def test_accessible(self, page, live_server: str, appeal_yard: AppealYard) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
        page.goto(f"{live_server}/yards/{appeal_yard.yard_id}/appeal?lang=ru")
        assert axe_violations(page) == []
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/form-ru.png", full_page=True)
