"""Another process holds the database's write lock while 50 writers arrive (issue 10, item 5).

Every writer is answered 201 or 503 with Retry-After once its wait reaches
SAFEYARD_DATABASE_LOCK_TIMEOUT_S (none waits without limit), nothing acknowledged is lost, the
refused ones are stored once when sent again, and meanwhile /healthz, the checklist and a yard
page keep answering: waiting writers never take every thread of the worker.
SQLite: a process in BEGIN IMMEDIATE on the server's own file. PostgreSQL: a connection holding
an EXCLUSIVE lock on the submission table (lock_timeout; reads go on).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.checklists.loader import LoadedChecklist
from app.submissions.models import Submission
from tests.factories import answers_for, new_location, submission_body
from tests.pages.support import form_fields
from tests.reliability.support import Server, count_rows, running
from tests.reliability.test_unavailable import HOLD_SQLITE_LOCK, send_until_stored

LOCK_TIMEOUT_S = 3.0
WRITERS = 50
READS = ("/healthz", "/api/v1/checklist?lang=kk")
# Hang guards only: the figures are printed (the report quotes them), never asserted.
HANG_GUARD_S = 15.0


@contextmanager
def write_lock_held(url: str) -> Iterator[None]:
    if make_url(url).get_backend_name() == "sqlite":
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_SQLITE_LOCK, str(make_url(url).database)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "locked"
            yield
        finally:
            holder.communicate("", timeout=10)
        return
    engine = create_engine(url)
    try:
        with engine.connect() as holder:
            # EXCLUSIVE: inserts wait, reads go on (as under SQLite's BEGIN IMMEDIATE).
            holder.execute(text("LOCK TABLE submission IN EXCLUSIVE MODE"))
            yield
            holder.rollback()
    finally:
        engine.dispose()


class Writers:
    """50 writers, each its own connection, started together; answers and times kept."""

    def __init__(self, base: str, bodies: list[dict[str, Any]]) -> None:
        self.base = base
        self.bodies = bodies
        self.answers: list[httpx.Response | BaseException | None] = [None] * len(bodies)
        self.waited: list[float] = [0.0] * len(bodies)
        self.threads = [threading.Thread(target=self._send, args=(i,)) for i in range(len(bodies))]

    def _send(self, i: int) -> None:
        started = time.monotonic()
        try:
            with httpx.Client(base_url=self.base, timeout=HANG_GUARD_S * 2) as client:
                self.answers[i] = client.post("/api/v1/submissions", json=self.bodies[i])
        except BaseException as exc:  # reported by the test, not lost in a thread
            self.answers[i] = exc
        self.waited[i] = time.monotonic() - started

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> list[httpx.Response]:
        for thread in self.threads:
            thread.join()
        failed = [a for a in self.answers if not isinstance(a, httpx.Response)]
        assert not failed, f"writers got no answer: {failed[:3]}"
        return [a for a in self.answers if isinstance(a, httpx.Response)]


def send_the_form_without_javascript(base: str, loaded: LoadedChecklist) -> httpx.Response:
    """The checklist page's form, filled and posted as a browser without JavaScript does."""
    point = new_location()
    with httpx.Client(base_url=base, timeout=HANG_GUARD_S * 2) as browser:
        page = browser.get(
            "/checklist", params={"lat": point["lat"], "lon": point["lon"], "accuracy_m": 8}
        )
        assert page.status_code == 200, page.text[:300]
        fields = form_fields(page.text)
        answers = {f"answer.{k}": v for k, v in answers_for(loaded).items()}
        return browser.post(
            "/checklist", data={**fields, **answers}, headers={"Accept-Language": "ru"}
        )


def timed_get(base: str, path: str) -> tuple[int, float]:
    started = time.monotonic()
    response = httpx.get(base + path, timeout=HANG_GUARD_S)
    return response.status_code, time.monotonic() - started


class TestWritersWaitingOnAHeldLock:
    def test_every_writer_gives_up_in_time_and_reads_keep_answering(
        self, fresh_url: str, tmp_path: Path, loaded: LoadedChecklist
    ) -> None:
        server = Server(
            fresh_url,
            tmp_path,
            env={"SAFEYARD_DATABASE_LOCK_TIMEOUT_S": str(LOCK_TIMEOUT_S)},
        )
        bodies = [submission_body(loaded) for _ in range(WRITERS)]
        with running(server):
            first = httpx.post(
                server.base + "/api/v1/submissions",
                json=submission_body(loaded),
                timeout=30,
            )
            assert first.status_code == 201, first.text
            reads = (*READS, f"/yards/{first.json()['yard_id']}")
            latencies: dict[str, list[float]] = {path: [] for path in reads}
            writers = Writers(server.base, bodies)
            with write_lock_held(fresh_url):
                writers.start()
                time.sleep(0.5)  # the writers are in and waiting
                probe_until = time.monotonic() + LOCK_TIMEOUT_S
                while time.monotonic() < probe_until:
                    for path in reads:
                        status, took = timed_get(server.base, path)
                        assert status == 200, (path, status)
                        latencies[path].append(took)
                    time.sleep(0.1)
                # Held past every writer's lock timeout: all of them have had to give up.
                answers = writers.join()
                form = send_the_form_without_javascript(server.base, loaded)
        # A page, not JSON: the resident's answers are still in it, and when to try again.
        assert form.status_code == 503, form.text[:300]
        assert int(form.headers["retry-after"]) > 0
        assert form.headers["content-type"].startswith("text/html")
        item, value = next(iter(answers_for(loaded).items()))
        assert f'name="answer.{item}" value="{value}" checked' in form.text  # kept to resend
        statuses = [a.status_code for a in answers]
        assert set(statuses) <= {201, 503}, statuses
        for answer in answers:
            if answer.status_code == 503:
                assert int(answer.headers["retry-after"]) > 0
                assert answer.json()["error"] == "unavailable"
        assert max(writers.waited) < HANG_GUARD_S  # a hang guard, not the timeout's measure
        acknowledged = [b for b, s in zip(bodies, statuses, strict=True) if s == 201]
        refused = [b for b, s in zip(bodies, statuses, strict=True) if s == 503]
        assert refused, "the lock was held past the timeout: writers must have been refused"
        with running(server):
            for body in refused:
                send_until_stored(server.base, body)
        for body in acknowledged + refused:
            rows = count_rows(
                fresh_url,
                select(func.count())
                .select_from(Submission)
                .where(Submission.id == uuid.UUID(body["id"])),
            )
            assert rows == 1, body["id"]
        report(fresh_url, statuses, writers.waited, latencies)


def report(
    url: str, statuses: list[int], waited: list[float], latencies: dict[str, list[float]]
) -> None:
    backend = make_url(url).get_backend_name()
    print(
        f"\n[{backend}] lock held, {WRITERS} writers, lock timeout {LOCK_TIMEOUT_S:g} s: "
        f"{statuses.count(201)} x 201, {statuses.count(503)} x 503; writers waited "
        f"median {statistics.median(waited):.2f} s, max {max(waited):.2f} s"
    )
    for path, took in latencies.items():
        print(
            f"[{backend}]   {path}: {len(took)} answers while writers waited, "
            f"median {statistics.median(took) * 1000:.0f} ms, max {max(took) * 1000:.0f} ms"
        )
