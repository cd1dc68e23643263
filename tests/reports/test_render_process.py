"""The render process's warm-up and WeasyPrint's set-up kept between documents
(app.platform.pdf.pool, app.platform.pdf.weasy)."""

from __future__ import annotations

import os
import signal
import threading
import time

from app.channels.reports import render
from app.platform.pdf import weasy
from app.platform.pdf.pool import RenderPool
from tests.reports.conftest import read_pdf

WARMED = False  # set in a worker process by ``mark_warm``


def mark_warm() -> None:
    global WARMED
    WARMED = True


def fail_to_warm() -> None:
    raise RuntimeError("no fonts today")


def warmth_and_pid(_html: str) -> bytes:
    """Run in the worker: whether its warm-up ran, and its process id."""
    return f"{WARMED} {os.getpid()}".encode()


class TestWarmUp:
    def test_the_worker_is_warmed_before_its_first_report(self) -> None:
        pool = RenderPool(processes=1, nice=0)
        try:
            pool.start(mark_warm)
            warm, pid = pool.run(warmth_and_pid, "").split()
            assert warm == b"True" and int(pid) != os.getpid()
        finally:
            pool.close()
        assert WARMED is False  # this process was not the one warmed

    def test_a_replacement_worker_is_warmed_too(self) -> None:
        pool = RenderPool(processes=1, nice=0)
        try:
            pool.start(mark_warm)
            _, first = pool.run(warmth_and_pid, "").split()
            os.kill(int(first), signal.SIGKILL)
            time.sleep(0.2)
            warm, second = pool.run(warmth_and_pid, "").split()
            assert warm == b"True" and second != first
        finally:
            pool.close()

    def test_a_failing_warm_up_does_not_stop_reports(self) -> None:
        pool = RenderPool(processes=1, nice=0)
        try:
            pool.start(fail_to_warm)
            assert pool.run(render.html_to_pdf, "<p>Қауіпсіз аула</p>").startswith(b"%PDF")
        finally:
            pool.close()

    def test_without_a_render_process_nothing_starts(self) -> None:
        pool = RenderPool(processes=0, nice=10)
        pool.start(fail_to_warm)  # would raise here if it ran in this process
        _, pid = pool.run(warmth_and_pid, "").split()
        assert int(pid) == os.getpid()

    def test_the_reports_warm_up_renders(self) -> None:
        render.warm_up()
        assert weasy.font_config() is weasy.font_config()


class TestFontsKeptPerThread:
    def test_one_font_configuration_per_thread(self) -> None:
        here = weasy.font_config()
        there: list[object] = []
        worker = threading.Thread(target=lambda: there.append(weasy.font_config()))
        worker.start()
        worker.join()
        assert there and there[0] is not here
        assert weasy.font_config() is here

    def test_documents_in_a_row_keep_their_text_and_fonts(self) -> None:
        first = read_pdf(render.html_to_pdf("<p>Безопасный двор</p><p><b>әғқңөұүһі</b></p>"))
        second = read_pdf(render.html_to_pdf("<p>Қауіпсіз аула</p>"))
        assert "Безопасный двор" in first.text and "әғқңөұүһі" in first.text
        assert "Қауіпсіз аула" in second.text and "Безопасный" not in second.text


class TestUserAgentStylesheet:
    def test_only_the_unused_pseudo_element_rules_change(self) -> None:
        from weasyprint.html import UA

        stock = UA.splitlines()
        trimmed = weasy.trimmed_user_agent_css(UA).splitlines()
        assert "li" + next(line for line in stock if line.startswith("::marker {")) in trimmed
        left_out = [line for line in stock if line not in trimmed]
        assert left_out and all(
            line.startswith(("::marker", "::footnote-", "::note-")) for line in left_out
        )
        assert not any(line.startswith(("::footnote-", "::note-")) for line in trimmed)

    def test_a_stylesheet_without_those_rules_is_kept_as_it_is(self) -> None:
        text = "p { margin: 1em }\n"
        assert weasy.trimmed_user_agent_css(text) == text

    def test_lists_keep_their_markers(self) -> None:
        from weasyprint import HTML

        html = "<ol><li>Свет</li><li>Двери</li></ol><ul><li>Двор</li></ul>"
        ours = render.html_to_pdf(html)
        stock = HTML(string=html).write_pdf(stylesheets=[render._stylesheet()])
        assert "1." in read_pdf(ours).text and "2." in read_pdf(ours).text
        assert read_pdf(ours).text == read_pdf(stock).text


class TestTheServiceStartsItsRenderProcess:
    def test_started_with_the_service_and_not_when_turned_off(self, settings) -> None:  # type: ignore[no-untyped-def]
        from fastapi.testclient import TestClient

        from app.main import create_app

        for warm, started in ((True, True), (False, False)):
            app = create_app(settings.model_copy(update={"report_warm_up": warm}))
            with TestClient(app):
                pool = app.state.context.pdf.pool
                assert (pool._executor is not None) is started
