"""Report renders: staff before anonymous requests, anonymous waits that give up with 503,
and the per-client render limit (cache hits free). Real threads, and a real uvicorn server
over the test database with real concurrent HTTP requests."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from app.accounts.models import UserRole
from app.accounts.security import SESSION_COOKIE
from app.checklists.loader import ChecklistRegistry
from app.platform.config import Settings
from app.platform.db import Database
from app.platform.pdf.gate import STAFF, RenderGate, RendersBusy, Requester
from app.platform.pdf.renderer import PdfRenderer
from tests.accounts.support import create_user, logged_in
from tests.factories import answers_for
from tests.reliability.support import free_port
from tests.reports.conftest import add_yard, submit

GIVE_UP_S = 60  # a guard against a hanging test, never a measured time
ANONYMOUS = Requester(staff=False, address="192.0.2.1")


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + GIVE_UP_S
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


class TestRenderGate:
    def test_waiting_staff_go_before_waiting_anonymous(self) -> None:
        gate = RenderGate(1, anonymous_wait_s=GIVE_UP_S)
        order: list[str] = []

        def render(name: str, who: Requester) -> None:
            with gate.turn(who):
                order.append(name)

        with gate.turn(STAFF):  # the one slot is taken
            first = threading.Thread(target=render, args=("anonymous", ANONYMOUS))
            first.start()
            wait_until(lambda: gate.waiting() == (0, 1))
            second = threading.Thread(target=render, args=("staff", STAFF))
            second.start()
            wait_until(lambda: gate.waiting() == (1, 1))
        first.join(GIVE_UP_S)
        second.join(GIVE_UP_S)
        assert order == ["staff", "anonymous"]

    def test_anonymous_requests_keep_their_order(self) -> None:
        gate = RenderGate(1, anonymous_wait_s=GIVE_UP_S)
        order: list[int] = []

        def render(n: int) -> None:
            with gate.turn(Requester(staff=False, address=f"192.0.2.{n}")):
                order.append(n)

        threads = []
        with gate.turn(STAFF):
            for n in range(4):
                threads.append(threading.Thread(target=render, args=(n,)))
                threads[-1].start()
                wait_until(lambda n=n: gate.waiting() == (0, n + 1))  # type: ignore[misc]
        for thread in threads:
            thread.join(GIVE_UP_S)
        assert order == [0, 1, 2, 3]

    def test_an_anonymous_wait_runs_out_with_503(self) -> None:
        gate = RenderGate(1, anonymous_wait_s=0.05)
        with gate.turn(STAFF), pytest.raises(RendersBusy) as busy, gate.turn(ANONYMOUS):
            pass
        assert busy.value.status_code == 503 and busy.value.retry_after_s > 0
        assert gate.waiting() == (0, 0)
        with gate.turn(ANONYMOUS):  # free again: the next one renders
            assert gate.running == 1

    def test_slots_bound_the_renders_at_once(self) -> None:
        gate = RenderGate(2, anonymous_wait_s=GIVE_UP_S)
        entered, release = threading.Event(), threading.Event()

        def render() -> None:
            with gate.turn(STAFF):
                entered.set()
                release.wait(GIVE_UP_S)

        waiter = threading.Thread(target=render)
        with gate.turn(STAFF), gate.turn(ANONYMOUS):
            waiter.start()
            wait_until(lambda: gate.waiting() == (1, 0))
            assert gate.running == 2 and not entered.is_set()
        assert entered.wait(GIVE_UP_S)  # a slot came free: the waiter's turn
        assert gate.running == 1
        release.set()
        waiter.join(GIVE_UP_S)
        assert gate.running == 0


@dataclass(frozen=True)
class Served:
    base: str
    app: FastAPI
    settings: Settings
    yard_id: int
    submission_id: str
    staff_cookies: dict[str, str]

    def fresh_reports(self, **limits: Any) -> PdfRenderer:
        """A new cache (emptied), gate and counters, as a restarted worker would have."""
        settings = self.settings.model_copy(update=limits)
        shutil.rmtree(settings.data_dir / "reports", ignore_errors=True)
        reports = PdfRenderer(settings)
        self.app.state.context.pdf = reports
        return reports

    def anonymous(self, path: str, lang: str = "en") -> httpx.Response:
        return httpx.get(self.base + path, headers={"Accept-Language": lang}, timeout=GIVE_UP_S)

    def staff(self, path: str) -> httpx.Response:
        return httpx.get(self.base + path, cookies=self.staff_cookies, timeout=GIVE_UP_S)


@pytest.fixture(scope="module")
def served(
    db: Database,
    registry: ChecklistRegistry,
    settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    from app.main import create_app

    own = settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("gate"),
            "rate_limit_reports": 2,
            "log_level": "warning",
        }
    )
    yard_id, _micro = add_yard(db, index=9)
    answers = answers_for(registry.current, pick="worst")
    submission_id = submit(db, registry, own, yard_id=yard_id, role="resident", answers=answers)
    app = create_app(own)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started)
    admin = logged_in(app, create_user(db, role=UserRole.admin))
    cookie = admin.cookies.get(SESSION_COOKIE)
    assert cookie
    try:
        yield Served(
            f"http://127.0.0.1:{port}", app, own, yard_id, submission_id, {SESSION_COOKIE: cookie}
        )
    finally:
        server.should_exit = True
        thread.join(GIVE_UP_S)


class TestOverHttp:
    def test_staff_render_before_anonymous_requests_queued_earlier(self, served: Served) -> None:
        reports = served.fresh_reports(report_wait_s=GIVE_UP_S)
        finished: list[str] = []
        answers: dict[str, int] = {}

        def fetch(name: str, get: Callable[[], httpx.Response]) -> None:
            answers[name] = get().status_code
            finished.append(name)

        anonymous = threading.Thread(
            target=fetch,
            args=(
                "anonymous",
                lambda: served.anonymous(f"/result/{served.submission_id}/report.pdf"),
            ),
        )
        staff = threading.Thread(
            target=fetch,
            args=("staff", lambda: served.staff(f"/yards/{served.yard_id}/report.pdf")),
        )
        with reports.gate.turn(STAFF):  # a render in progress holds the one slot
            anonymous.start()
            wait_until(lambda: reports.gate.waiting() == (0, 1))
            staff.start()
            wait_until(lambda: reports.gate.waiting() == (1, 1))
        anonymous.join(GIVE_UP_S)
        staff.join(GIVE_UP_S)
        assert answers == {"anonymous": 200, "staff": 200}
        assert finished == ["staff", "anonymous"]
        assert reports.renders == 2

    def test_an_anonymous_request_that_waits_too_long_gets_503_in_its_language(
        self, served: Served
    ) -> None:
        reports = served.fresh_reports(report_wait_s=0.2)
        with reports.gate.turn(STAFF):
            answer = served.anonymous(f"/result/{served.submission_id}/report.pdf", "kk")
        assert answer.status_code == 503
        assert int(answer.headers["Retry-After"]) > 0
        assert "text/html" in answer.headers["content-type"]
        assert "Қазір көп есеп дайындалып жатыр" in answer.text
        assert reports.renders == 0
        # The slot is free again: the same request now renders.
        retry = served.anonymous(f"/result/{served.submission_id}/report.pdf", "kk")
        assert retry.status_code == 200 and retry.content.startswith(b"%PDF")

    def test_anonymous_renders_are_limited_and_cache_hits_are_free(self, served: Served) -> None:
        reports = served.fresh_reports(rate_limit_reports=2)
        path = f"/result/{served.submission_id}/report.pdf"
        # Each language is another PDF: two renders are allowed.
        assert served.anonymous(path, "ru").status_code == 200
        assert served.anonymous(path, "en").status_code == 200
        refused = served.anonymous(path, "kk")
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= served.settings.rate_limit_window_s
        assert "тым көп есеп дайындалды" in refused.text  # the reader's language
        assert reports.renders == 2
        # Already rendered: served from the cache, however often, without counting.
        for _ in range(5):
            again = served.anonymous(path, "ru")
            assert again.status_code == 200 and again.content.startswith(b"%PDF")
        assert reports.renders == 2

    def test_staff_are_not_limited(self, served: Served) -> None:
        reports = served.fresh_reports(rate_limit_reports=1)
        for lang in ("ru", "kk", "en"):
            answer = served.staff(f"/yards/{served.yard_id}/report.pdf?lang={lang}")
            assert answer.status_code == 200, answer.text[:300]
        assert reports.renders == 3
