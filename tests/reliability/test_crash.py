"""Nothing acknowledged is lost: the server under a steady submission load is killed with
SIGKILL at random (seeded) moments and restarted; every submission it answered 2xx is stored
exactly once, as sent."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from app.checklists.loader import LoadedChecklist
from app.submissions.models import Submission
from app.yards.models import Yard
from app.yards.risk_models import YardRisk
from tests.factories import new_location, submission_body
from tests.reliability.support import Server, count_rows, stored_submissions

SEED = 20261122
KILLS = 4
CLIENTS = 3


class SubmissionLoad:
    """A few clients sending submissions without pause, retrying like the PWA's queue: a
    submission not answered 2xx (connection refused or cut, 503) is sent again, same id."""

    def __init__(self, base: str, make_body: Callable[[], dict[str, Any]]) -> None:
        self.base = base
        self.make_body = make_body
        self.sent: dict[str, dict[str, Any]] = {}
        self.acknowledged: dict[str, dict[str, Any]] = {}
        self.unexpected: list[str] = []
        self.retries = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client) for _ in range(CLIENTS)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _client(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            body: dict[str, Any] | None = None
            while not self._stop.is_set():
                if body is None:
                    body = self.make_body()
                    with self._lock:
                        self.sent[body["id"]] = body
                if self.send(client, body):
                    body = None
                else:
                    with self._lock:
                        self.retries += 1
                    time.sleep(0.05)
            if body is not None:
                self.send_until_acknowledged(client, body)

    def send(self, client: httpx.Client, body: dict[str, Any]) -> bool:
        """True when the server acknowledged the submission (2xx)."""
        try:
            response = client.post("/api/v1/submissions", json=body)
        except httpx.TransportError:
            return False  # refused (server down) or cut mid-request (killed): unknown, resend
        if response.status_code in (200, 201):
            with self._lock:
                self.acknowledged[body["id"]] = response.json()
            return True
        if response.status_code == 503 and "retry-after" in response.headers:
            return False
        with self._lock:
            self.unexpected.append(f"{response.status_code} {response.text[:200]}")
        return True

    def send_until_acknowledged(self, client: httpx.Client, body: dict[str, Any]) -> None:
        for _ in range(200):
            if self.send(client, body):
                return
            time.sleep(0.05)


def run_crash_test(fresh_url: str, tmp_path: Path, loaded: LoadedChecklist) -> None:
    rng = random.Random(SEED)
    spots = [new_location() for _ in range(12)]

    def make_body() -> dict[str, Any]:
        # A few yards, each reached many times: yards are created and then joined.
        return submission_body(loaded, location=dict(rng.choice(spots)))

    server = Server(fresh_url, tmp_path)
    server.start()
    load = SubmissionLoad(server.base, make_body)
    try:
        load.start()
        acked_before_kill: list[int] = []
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.8, 2.5))
            acked_before_kill.append(len(load.acknowledged))
            server.kill()
            time.sleep(rng.uniform(0.0, 0.5))  # clients hammer a closed port meanwhile
            server.start()
        time.sleep(1.0)
        load.stop()
    finally:
        server.stop()

    print(  # shown with -s: what the run went through
        f"crash test: {len(load.acknowledged)} acknowledged, {load.retries} resends, "
        f"{server.starts} starts, acknowledged at each kill {acked_before_kill}"
    )
    assert load.unexpected == []
    assert server.starts == KILLS + 1
    # Work went on between the kills, and a killed request was really cut and resent.
    assert all(b > a for a, b in zip(acked_before_kill, acked_before_kill[1:], strict=False))
    assert load.retries > 0
    assert set(load.acknowledged) == set(load.sent)

    ids = [uuid.UUID(i) for i in load.acknowledged]
    stored = stored_submissions(fresh_url, ids)
    missing = sorted(set(ids) - set(stored))
    assert missing == [], f"acknowledged but lost: {missing[:5]}"
    for sid, answer in load.acknowledged.items():
        row = stored[uuid.UUID(sid)]
        assert row.answers == load.sent[sid]["answers"]
        assert row.yard_id == answer["yard_id"]
        assert row.risk_index == answer["risk_index"]
        assert str(row.id) == answer["id"] == sid
    # Exactly once, and nothing half-written: every stored row was acknowledged, and each
    # yard's counters include each of its submissions once.
    assert count_rows(fresh_url, select(func.count()).select_from(Submission)) == len(ids)
    assert count_rows(fresh_url, select(func.sum(Yard.submission_count))) == len(ids)
    assert count_rows(fresh_url, select(func.sum(YardRisk.residents))) == len(ids)
    assert count_rows(fresh_url, select(func.count()).select_from(Yard)) <= len(spots)


class TestCrash:
    def test_sigkill_loses_no_acknowledged_submission(
        self, fresh_url: str, tmp_path: Path, loaded: LoadedChecklist
    ) -> None:
        run_crash_test(fresh_url, tmp_path, loaded)
