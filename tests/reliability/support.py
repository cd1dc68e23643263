"""The real server as a child process, on a database of its own, for tests that kill it,
lock its database or take its database away."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import Session

from app.checklists.loader import ChecklistRegistry
from app.demo.reference import load_reference_data
from app.platform import migrate
from app.platform.db import Database
from app.submissions.models import Submission
from app.yards.models import Yard
from tests.databases import empty_database

SAFEYARD = str(Path(sys.executable).with_name("safeyard"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_database(tmp_path: Path, registry: ChecklistRegistry) -> Iterator[str]:
    """A new, migrated database with Almaty's districts: a SQLite file, or a new PostgreSQL
    database (dropped afterwards) when SAFEYARD_TEST_DATABASE_URL is set."""
    sqlite_file = tmp_path / f"reliability-{secrets.token_hex(3)}.db"
    with empty_database(sqlite_file, prefix="safeyard_rel") as url:
        _prepare(url, registry)
        yield url


def _prepare(url: str, registry: ChecklistRegistry) -> None:
    migrate.upgrade(url)
    database = Database(url)
    try:
        load_reference_data(database, registry=registry)
    finally:
        database.dispose()


class Server:
    """``safeyard serve`` in its own process group (so a kill takes every worker with it)."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        *,
        workers: int = 1,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{self.port}.log"
        self.extra_env = env or {}
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEYARD_")}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update(
            SAFEYARD_DATABASE_URL=self.database_url,
            SAFEYARD_DATA_DIR=str(self.workdir / "data"),
            SAFEYARD_SECRET_KEY="reliability-test-key-" + "x" * 32,
            SAFEYARD_LOG_FORMAT="json",
            # These tests send hundreds of submissions from one address on purpose.
            SAFEYARD_RATE_LIMIT_SUBMISSIONS="1000000",
        )
        env.update(self.extra_env)
        return env

    def start(self, *, timeout_s: float = 90.0) -> None:
        command = self.command or [
            SAFEYARD,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        self.wait_ready(timeout_s)

    def wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_tail()}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(
            f"the server did not answer /healthz in {timeout_s} s: {self.log_tail()}"
        )

    def kill(self) -> None:
        """SIGKILL the whole server (its process group): no shutdown, no flush."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Ask the server to stop (SIGTERM), then kill whatever is left of its group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


@contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def post_all_at_once(
    base: str, bodies: list[dict[str, Any]], *, timeout_s: float = 60.0
) -> list[httpx.Response]:
    """POST every body from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(bodies))
    out: list[httpx.Response | BaseException | None] = [None] * len(bodies)

    def send(i: int) -> None:
        with httpx.Client(base_url=base, timeout=timeout_s) as client:
            barrier.wait()
            try:
                out[i] = client.post("/api/v1/submissions", json=bodies[i])
            except BaseException as exc:  # reported by the caller, not lost in a thread
                out[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [o for o in out if not isinstance(o, httpx.Response)]
    assert not failed, f"requests failed: {failed[:3]}"
    return [o for o in out if isinstance(o, httpx.Response)]


def stored_submissions(database_url: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, Submission]:
    database = Database(database_url)
    try:
        with database.session() as session:
            rows = session.exec(select(Submission).where(Submission.id.in_(ids)))  # type: ignore[attr-defined, call-overload]
            return {row[0].id: row[0] for row in rows}
    finally:
        database.dispose()


def count_rows(database_url: str, statement: Any) -> Any:
    database = Database(database_url)
    try:
        with Session(database.engine) as session:
            return session.execute(statement).scalar()
    finally:
        database.dispose()


def yards_near(database_url: str, lat: float, lon: float, radius_deg: float = 0.0005) -> list[Yard]:
    database = Database(database_url)
    try:
        with database.session() as session:
            rows = session.execute(
                select(Yard).where(
                    Yard.lat.between(lat - radius_deg, lat + radius_deg),  # type: ignore[attr-defined]
                    Yard.lon.between(lon - radius_deg, lon + radius_deg),  # type: ignore[attr-defined]
                )
            ).all()
            return [row[0] for row in rows]
    finally:
        database.dispose()


class TcpProxy:
    """A TCP forwarder to PostgreSQL the test can cut: the database "goes away" for the app
    without stopping the PostgreSQL server other tests share."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break every open one."""
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would not.
                with suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
