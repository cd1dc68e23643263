"""Connection limits of ``safeyard serve`` (app/platform/server.py), with real sockets against
the real server in its own process: slow heads are cut off, idle keep-alive connections are closed,
and more idle connections than the cap (and than the process's descriptor limit) still leave
room for /healthz."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from app.checklists.loader import ChecklistRegistry
from tests.reliability.support import SAFEYARD, Server, fresh_database, running

HEADER_TIMEOUT_S = 1
KEEP_ALIVE_S = 1
MAX_CONNECTIONS = 40
FD_LIMIT = 160  # below the idle connections the test opens
IDLE_CONNECTIONS = 200
GIVE_UP_S = 30  # a guard against a hanging test, never a measured time


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, registry: ChecklistRegistry
) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("server")
    with fresh_database(workdir, registry) as url:
        started = Server(
            url,
            workdir,
            env={
                "SAFEYARD_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S),
                "SAFEYARD_KEEP_ALIVE_TIMEOUT_S": str(KEEP_ALIVE_S),
                "SAFEYARD_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
            },
        )
        # As `ulimit -n` on a small host: the worker may open at most FD_LIMIT descriptors.
        serve = f"{SAFEYARD} serve --host 127.0.0.1 --port {started.port}"
        started.command = ["sh", "-c", f"ulimit -n {FD_LIMIT} && exec {serve}"]
        with running(started):
            yield started


def connect(server: Server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=GIVE_UP_S)
    return sock


def closed_by_server(sock: socket.socket) -> bool:
    """Read until the server closes the connection (True) or the guard time passes (False)."""
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        try:
            if sock.recv(65536) == b"":
                return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
    return False


class TestHeaderTimeout:
    def test_a_head_sent_a_byte_at_a_time_is_cut_off(self, server: Server) -> None:
        with connect(server) as sock:
            sock.settimeout(0.2)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            cut = False
            # Keep the head coming, one header byte every 0.2 s, never finishing it.
            while time.monotonic() - started < GIVE_UP_S:
                try:
                    sock.sendall(b"X")
                    if sock.recv(65536) == b"":
                        cut = True
                        break
                except TimeoutError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    cut = True
                    break
            assert cut, "the server kept a head that never ended"

    def test_a_connection_that_sends_nothing_is_closed(self, server: Server) -> None:
        with connect(server) as sock:
            assert closed_by_server(sock)

    def test_a_complete_head_is_answered(self, server: Server) -> None:
        with connect(server) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")


class TestKeepAlive:
    def test_an_idle_keep_alive_connection_is_closed(self, server: Server) -> None:
        with connect(server) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200")
            assert b"connection: close" not in answer.lower()  # kept alive, at first
            assert closed_by_server(sock)

    def test_a_second_request_on_the_connection_is_answered(self, server: Server) -> None:
        with httpx.Client(base_url=server.base, timeout=GIVE_UP_S) as client:
            assert client.get("/healthz").status_code == 200
            assert client.get("/healthz").status_code == 200


class TestConnectionCap:
    def test_healthz_answers_past_the_cap_and_the_descriptor_limit(self, server: Server) -> None:
        with ExitStack() as stack:
            idle = []
            for _ in range(IDLE_CONNECTIONS):  # more than the cap and than FD_LIMIT
                sock = stack.enter_context(connect(server))
                idle.append(sock)
            # Every idle one is open on our side; the server has closed the oldest.
            answer = httpx.get(server.base + "/healthz", timeout=GIVE_UP_S)
            assert answer.status_code == 200
            for sock in idle[:10]:
                sock.settimeout(GIVE_UP_S)
                assert closed_by_server(sock)

    def test_a_busy_connection_is_not_the_one_closed(self, server: Server) -> None:
        with ExitStack() as stack:
            busy = stack.enter_context(connect(server))
            # A request whose body is still coming: in progress, so never evicted.
            busy.sendall(
                b"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                b"Content-Type: application/json\r\nContent-Length: 9\r\n\r\n"
            )
            # 100 Continue: the application has the request and is reading its body.
            assert busy.recv(65536).startswith(b"HTTP/1.1 100")
            for _ in range(MAX_CONNECTIONS + 20):
                stack.enter_context(connect(server))
            assert httpx.get(server.base + "/healthz", timeout=GIVE_UP_S).status_code == 200
            busy.sendall(b'{"a": 1} ')
            busy.settimeout(GIVE_UP_S)
            assert busy.recv(65536).startswith(b"HTTP/1.1 4")  # answered (422), not dropped
