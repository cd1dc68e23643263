"""Ingest benchmark: submissions per second and latency over loopback.

    python -m bench.ingest [--database sqlite|postgresql] [--seconds 10] [--concurrency 16]

Starts the service (one uvicorn worker) on a fresh database with Almaty's districts loaded,
then, in the same run, drives two endpoints with the same bodies from an asyncio client:
  real  - POST /api/v1/submissions (validation, placement, yard look-up, scoring, idempotent insert)
  floor - POST /bench/floor (parse JSON, insert the same row; nothing else)
and reports req/s, p50/p99 and the ratio real/floor. Results go to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import migrate
from app.checklists.loader import load_registry
from app.checklists.service import sync_versions
from app.config import PROJECT_ROOT
from app.db import Database
from app.districts.service import load_demo_geography

PG_BASE = os.environ.get(
    "SAFEYARD_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
RESULTS = PROJECT_ROOT / "bench" / "results"
PORT = 8765


def prepare_database(kind: str, workdir: Path) -> tuple[str, Any]:
    """A fresh migrated database with the checklist and districts; returns (url, cleanup)."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
        cleanup = lambda: None  # noqa: E731
    else:
        name = f"safeyard_bench_{secrets.token_hex(4)}"
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)

        def cleanup() -> None:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    migrate.upgrade(url)
    db = Database(url)
    registry = load_registry(PROJECT_ROOT / "app" / "checklists" / "data")
    with db.write_session() as session:
        sync_versions(session, registry=registry)
        load_demo_geography(session)
    db.dispose()
    return url, cleanup


def bodies(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Realistic bodies: every resident item answered, spread over ~2,000 yard locations."""
    rng = random.Random(seed)
    loaded = load_registry(PROJECT_ROOT / "app" / "checklists" / "data").current
    items = [i for i in loaded.checklist.items() if "resident" in i.roles]
    spots = [(43.22 + rng.random() * 0.07, 76.85 + rng.random() * 0.1) for _ in range(2000)]
    out = []
    for _ in range(count):
        lat, lon = rng.choice(spots)
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "checklist_version": loaded.version,
                "location": {"lat": round(lat, 6), "lon": round(lon, 6), "accuracy_m": 12.0},
                "answers": {i.id: rng.choice(i.options).value for i in items},
            }
        )
    return out


async def drive(
    url: str, payloads: list[dict[str, Any]], seconds: float, concurrency: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    position = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal position, errors
        while time.perf_counter() < deadline:
            body = payloads[position % len(payloads)]
            position += 1
            started = time.perf_counter()
            response = await client.post(url, json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code not in (200, 201):
                errors += 1

    limits = httpx.Limits(max_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise SystemExit("the server did not start")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not answer /healthz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url, cleanup = prepare_database(args.database, Path(tmp))
        env = {**os.environ, "SAFEYARD_DATABASE_URL": url, "SAFEYARD_LOG_LEVEL": "warning"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.floor_app:create_bench_app",
                "--factory",
                "--port",
                str(PORT),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            cwd=PROJECT_ROOT,
        )
        base = f"http://127.0.0.1:{PORT}"
        try:
            wait_until_up(base, server)
            payloads = bodies(60_000)
            real_url, floor_url = base + "/api/v1/submissions", base + "/bench/floor"
            # Warm both paths (and create the yards the floor reuses), then measure.
            asyncio.run(drive(real_url, payloads[:3000], args.warmup, args.concurrency))
            asyncio.run(drive(floor_url, bodies(3000, seed=8), args.warmup, args.concurrency))
            real = asyncio.run(drive(real_url, payloads[3000:], args.seconds, args.concurrency))
            floor = asyncio.run(
                drive(floor_url, bodies(60_000, seed=9), args.seconds, args.concurrency)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            cleanup()

    ratio = real["rps"] / floor["rps"]
    report = {
        "database": args.database,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "real": real,
        "floor": floor,
        "ratio": ratio,
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"ingest-{args.database}.json").write_text(json.dumps(report, indent=2))
    print(
        f"ingest on {args.database}, {args.concurrency} concurrent clients, "
        f"{args.seconds:.0f} s each"
    )
    print(f"{'endpoint':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, row in (("real", real), ("floor", floor)):
        print(
            f"{name:<8} {row['rps']:>8.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
            f"{row['errors']:>7.0f}"
        )
    print(f"ratio real/floor: {ratio:.2f} (goal >= 0.50)")


if __name__ == "__main__":
    main()
