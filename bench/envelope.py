"""CPU of the app's envelope per request (middleware, routing, error handling), in process.

    .venv/bin/python -m bench.envelope [--requests 2000] [--rounds 5] [--profile CASE]

The app (``create_app``, log level info: the JSON access log line is written, to /dev/null)
on a fresh migrated SQLite database, driven through its ASGI interface straight from an
event loop: no server, no socket, no HTTP client, so the CPU measured (``time.process_time``,
every thread) is the app's alone. Two bench-only routes, ``GET /bench/noop`` and ``POST
/bench/noop`` (an async endpoint answering a fixed 11-byte JSON), are added both to the app
and to a bare ``FastAPI()`` with nothing else: ``app - bare`` is the envelope. Real cheap
answers are timed too: ``/healthz`` (one ``SELECT 1``), an API 404, and Telegram's webhook
refusing a wrong secret (403, JSON). Each case runs ``--requests`` requests per round; the
rounds alternate the cases and the median per request is printed, with the load average.
``--profile CASE`` prints a cProfile of that case instead. Figures: docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from typing import Any

UPDATE = json.dumps(
    {
        "update_id": 1,
        "message": {
            "message_id": 2,
            "date": 1_790_000_000,
            "chat": {"id": 7, "type": "private", "first_name": "A"},
            "from": {"id": 7, "is_bot": False, "first_name": "A", "language_code": "ru"},
            "text": "Да",
        },
    }
).encode()

# What a browser or Telegram sends besides the request line.
COMMON = [
    (b"host", b"safeyard.example"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"),
    (b"accept", b"*/*"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"accept-language", b"ru-RU,ru;q=0.9,en;q=0.8"),
]

Case = tuple[str, str, list[tuple[bytes, bytes]], bytes]

CASES: dict[str, Case] = {
    "GET /bench/noop": ("GET", "/bench/noop", [], b""),
    "POST /bench/noop": (
        "POST",
        "/bench/noop",
        [(b"content-type", b"application/json"), (b"content-length", b"2")],
        b"{}",
    ),
    "GET /healthz": ("GET", "/healthz", [], b""),
    "GET /api/v1/nothing (404)": ("GET", "/api/v1/nothing", [], b""),
    "POST /telegram/webhook (403)": (
        "POST",
        "/telegram/webhook",
        [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(UPDATE)).encode()),
            (b"x-telegram-bot-api-secret-token", b"wrong"),
        ],
        UPDATE,
    ),
}
BARE_CASES = ("GET /bench/noop", "POST /bench/noop")


def add_noop(app: Any) -> None:
    from fastapi import Response

    body = b'{"ok":true}'

    @app.get("/bench/noop", include_in_schema=False)
    async def noop_get() -> Response:
        return Response(body, media_type="application/json")

    @app.post("/bench/noop", include_in_schema=False)
    async def noop_post() -> Response:
        return Response(body, media_type="application/json")


def build_apps(folder: str) -> tuple[Any, Any]:
    url = f"sqlite:///{folder}/bench-envelope.db"
    os.environ.update(
        SAFEYARD_DATABASE_URL=url,
        SAFEYARD_LOG_LEVEL="info",
        SAFEYARD_LOG_FORMAT="json",
        SAFEYARD_TELEGRAM_TOKEN="123456:TEST-token",
        SAFEYARD_TELEGRAM_WEBHOOK_SECRET="bench-secret",
    )
    from fastapi import FastAPI

    from app.main import create_app
    from app.platform import migrate
    from app.platform.config import get_settings

    migrate.upgrade(url)
    get_settings.cache_clear()
    app = create_app()
    add_noop(app)
    bare = FastAPI()
    add_noop(bare)
    return app, bare


async def request(app: Any, case: Case) -> int:
    method, path, headers, body = case
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [*COMMON, *headers],
        "client": ("203.0.113.7", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # a client that stays connected
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def per_request_us(app: Any, case: Case, count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        await request(app, case)
    return (time.process_time() - started) / count * 1e6


async def run(args: argparse.Namespace, app: Any, bare: Any) -> None:
    for name, case in CASES.items():
        status = await request(app, case)
        print(f"{name}: status {status}")
        await per_request_us(app, case, 200)  # warm: imports, catalogs, caches
    for name in BARE_CASES:
        await per_request_us(bare, CASES[name], 200)
    figures: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for name, case in CASES.items():
            figures.setdefault(name, []).append(await per_request_us(app, case, args.requests))
        for name in BARE_CASES:
            figures.setdefault(f"bare {name}", []).append(
                await per_request_us(bare, CASES[name], args.requests)
            )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nµs CPU per request, median of {args.rounds} x {args.requests} (load {load})")
    for name, values in figures.items():
        print(f"  {name:32} {statistics.median(values):8.0f}  (min {min(values):.0f})")
    for name in BARE_CASES:
        envelope = statistics.median(figures[name]) - statistics.median(figures[f"bare {name}"])
        print(f"  envelope of {name:20} {envelope:8.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=sorted(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, open(os.devnull, "w") as sink:
        app, bare = build_apps(folder)
        sys.stderr = sink  # the access log: formatted and written, unread
        try:
            if args.profile:
                asyncio.run(profiled(args, app, bare))
            else:
                asyncio.run(run(args, app, bare))
        finally:
            sys.stderr = sys.__stderr__


async def profiled(args: argparse.Namespace, app: Any, bare: Any) -> None:
    case = CASES[args.profile]
    for _ in range(300):
        await request(app, case)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        await request(app, case)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(35)
    stats.sort_stats("cumulative").print_stats(45)
    print(out.getvalue())


if __name__ == "__main__":
    main()
