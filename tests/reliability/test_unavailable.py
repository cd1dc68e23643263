"""The database unavailable or locked: the API answers 503 with Retry-After, nothing is
half-written, and the same submission sent again afterwards is stored once."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.checklists.loader import LoadedChecklist
from app.submissions.models import Submission
from tests.factories import submission_body
from tests.reliability.support import Server, TcpProxy, count_rows, running, yards_near

LOCK_TIMEOUT_S = "1"
# Holds SQLite's write lock from another process until its stdin closes.
HOLD_SQLITE_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
"""


def post(base: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(base + "/api/v1/submissions", json=body, timeout=30)


def assert_retry_later(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["error"] == "unavailable"


def assert_nothing_written(url: str, body: dict[str, Any]) -> None:
    rows = count_rows(
        url,
        select(func.count()).select_from(Submission).where(Submission.id == uuid.UUID(body["id"])),
    )
    assert rows == 0
    assert yards_near(url, body["location"]["lat"], body["location"]["lon"]) == []


def send_until_stored(base: str, body: dict[str, Any], *, attempts: int = 20) -> httpx.Response:
    """What the PWA's queue does: the same body again, after Retry-After (shortened here)."""
    for _ in range(attempts):
        try:
            response = post(base, body)
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code in (200, 201):
            return response
        time.sleep(0.2)
    raise AssertionError("the submission was never stored")


def assert_stored_once(url: str, body: dict[str, Any], response: httpx.Response) -> None:
    assert response.json()["id"] == body["id"]
    rows = count_rows(
        url,
        select(func.count()).select_from(Submission).where(Submission.id == uuid.UUID(body["id"])),
    )
    assert rows == 1
    assert len(yards_near(url, body["location"]["lat"], body["location"]["lon"])) == 1


class TestSqliteLocked:
    def test_a_write_lock_held_elsewhere_is_503_and_nothing_half_written(
        self, fresh_url: str, tmp_path: Path, loaded: LoadedChecklist
    ) -> None:
        if make_url(fresh_url).get_backend_name() != "sqlite":
            pytest.skip("SQLite's file lock; PostgreSQL's lock_timeout is tested below")
        server = Server(
            fresh_url, tmp_path, env={"SAFEYARD_DATABASE_LOCK_TIMEOUT_S": LOCK_TIMEOUT_S}
        )
        body = submission_body(loaded)
        with running(server):
            holder = subprocess.Popen(
                [sys.executable, "-c", HOLD_SQLITE_LOCK, str(make_url(fresh_url).database)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            try:
                assert holder.stdout is not None
                assert holder.stdout.readline().strip() == "locked"
                started = time.monotonic()
                assert_retry_later(post(server.base, body))
                assert time.monotonic() - started < 10  # waited the lock timeout, not forever
                # Reading still works while a writer holds the lock (WAL).
                assert httpx.get(server.base + "/healthz").status_code == 200
            finally:
                holder.communicate("", timeout=10)
            assert_nothing_written(fresh_url, body)
            assert_stored_once(fresh_url, body, send_until_stored(server.base, body))


def _postgres(url: str) -> None:
    if make_url(url).get_backend_name() != "postgresql":
        pytest.skip("runs with SAFEYARD_TEST_DATABASE_URL (PostgreSQL)")


class TestPostgresqlLocked:
    def test_a_table_lock_held_elsewhere_is_503_and_nothing_half_written(
        self, fresh_url: str, tmp_path: Path, loaded: LoadedChecklist
    ) -> None:
        _postgres(fresh_url)
        server = Server(
            fresh_url, tmp_path, env={"SAFEYARD_DATABASE_LOCK_TIMEOUT_S": LOCK_TIMEOUT_S}
        )
        body = submission_body(loaded)
        engine = create_engine(fresh_url)
        with running(server):
            with engine.connect() as holder:
                holder.execute(text("LOCK TABLE submission IN ACCESS EXCLUSIVE MODE"))
                started = time.monotonic()
                assert_retry_later(post(server.base, body))
                assert time.monotonic() - started < 10
                holder.rollback()
            engine.dispose()
            assert_nothing_written(fresh_url, body)
            assert_stored_once(fresh_url, body, send_until_stored(server.base, body))


class TestPostgresqlUnreachable:
    def test_database_gone_is_503_and_the_retry_lands_once_it_is_back(
        self, fresh_url: str, tmp_path: Path, loaded: LoadedChecklist
    ) -> None:
        _postgres(fresh_url)
        url = make_url(fresh_url)
        proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
        proxy.open()
        through_proxy = url.set(host="127.0.0.1", port=proxy.port)
        server = Server(through_proxy.render_as_string(hide_password=False), tmp_path)
        before = submission_body(loaded)
        body = submission_body(loaded)
        try:
            with running(server):
                assert post(server.base, before).status_code == 201
                proxy.cut()
                # Pooled connections are broken and new ones refused: every attempt is a 503.
                for _ in range(3):
                    assert_retry_later(post(server.base, body))
                health = httpx.get(server.base + "/healthz")
                assert health.status_code == 503
                assert "retry-after" in health.headers
                assert_nothing_written(fresh_url, body)
                proxy.open()
                assert_stored_once(fresh_url, body, send_until_stored(server.base, body))
        finally:
            proxy.cut()
