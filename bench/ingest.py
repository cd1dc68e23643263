"""Ingest benchmark: submissions per second and latency over loopback.

    python -m bench.ingest [--database sqlite|postgresql] [--seconds 10] [--concurrency 16]

Starts the service (one uvicorn worker) on a fresh database with Almaty's districts loaded,
then, in the same run, drives two endpoints with the same bodies using wrk (a C client, so
the load generator leaves the CPU to the server):
  real  - POST /api/v1/submissions (validation, placement, yard look-up, scoring, idempotent insert)
  floor - POST /bench/floor (parse JSON, insert the same row through the app's own envelope:
          its middleware, its write transaction; nothing else)
and a third process with no SafeYard code at all (``bench.reference_app``: FastAPI and the
database driver, one INSERT ... ON CONFLICT and a commit per request, on a database of its
own):
  reference - POST /ref/submissions
and reports req/s, p50/p99, the server's CPU per request and the ratios real/reference (the
headline: goal >= 0.25) and real/floor (the app's envelope hides most of the cost, so this one
is a diagnosis only). A second
server of the same code on a second fresh database, with the findings work of the intake
replaced by a no-op in that process only (``bench.floor_app.create_bench_app_without_findings``),
takes the same bodies in the same alternation: real/no-findings is what the findings cost
(goal >= 0.85).
Results go to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.checklists.loader import load_registry
from app.demo.reference import load_reference_data
from app.platform import migrate
from app.platform.config import PROJECT_ROOT
from app.platform.db import Database

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
    load_reference_data(db, registry=registry)
    db.dispose()
    return url, cleanup


def reference_database(kind: str, workdir: Path) -> tuple[str, Any]:
    """An empty database for the reference process (it makes its one table); (dsn, cleanup)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'reference.db'}", lambda: None
    name = f"safeyard_ref_{secrets.token_hex(4)}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def cleanup() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    dsn = make_url(PG_BASE).set(database=name, drivername="postgresql")
    return dsn.render_as_string(hide_password=False), cleanup


def start_uvicorn(
    factory: str, port: int, env: dict[str, str], *, workers: int = 1
) -> subprocess.Popen[bytes]:
    """Quiet uvicorn (``workers`` processes) serving the app ``factory`` ("module:function")
    on ``port``, with ``env`` over this process's environment."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            factory,
            "--factory",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
    )


def start_reference(dsn: str, port: int) -> subprocess.Popen[bytes]:
    """The bare reference (``bench.reference_app``) in a uvicorn worker of its own."""
    return start_uvicorn(
        "bench.reference_app:create_reference_app", port, {"BENCH_REFERENCE_DSN": dsn}
    )


def server_env(url: str) -> dict[str, str]:
    """The benchmarked server's settings: quiet logs, and no per-address rate limits (every
    request of a benchmark comes from one address; a limit would answer 429)."""
    return {
        "SAFEYARD_DATABASE_URL": url,
        "SAFEYARD_LOG_LEVEL": "warning",
        "SAFEYARD_RATE_LIMIT_SUBMISSIONS": "0",
        "SAFEYARD_RATE_LIMIT_LOGIN": "0",
    }


# How a body's answers are drawn (``--answers``):
# - "random": every answer drawn anew, so a yard's residents disagree on every item and its
#   findings open, confirm and withdraw with nearly every submission (~20 history rows
#   each): the findings' worst case, and the workload of every figure before 2026-12-07;
# - "yard": each yard has its own state, and a resident reports it with probability
#   ``YARD_AGREEMENT`` per item (else any option), as neighbours looking at one courtyard do.
ANSWERS = ("random", "yard")
YARD_AGREEMENT = 0.9


def bodies(count: int, seed: int = 7, answers: str = "random") -> list[dict[str, Any]]:
    """Realistic bodies: every resident item answered, spread over ~2,000 yard locations."""
    rng = random.Random(seed)
    loaded = load_registry(PROJECT_ROOT / "app" / "checklists" / "data").current
    items = [i for i in loaded.checklist.items() if "resident" in i.roles]
    spots = [(43.22 + rng.random() * 0.07, 76.85 + rng.random() * 0.1) for _ in range(2000)]
    # Drawn from a generator of their own, so "random" bodies stay those of earlier runs.
    states = random.Random(seed + 1)
    truth = {spot: {i.id: states.choice(i.options).value for i in items} for spot in spots}
    out = []
    for _ in range(count):
        lat, lon = spot = rng.choice(spots)
        submission_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        drawn = {i.id: rng.choice(i.options).value for i in items}
        if answers == "yard":
            drawn = {
                item: truth[spot][item] if states.random() < YARD_AGREEMENT else value
                for item, value in drawn.items()
            }
        out.append(
            {
                "id": submission_id,
                "checklist_version": loaded.version,
                "location": {"lat": round(lat, 6), "lon": round(lon, 6), "accuracy_m": 12.0},
                "answers": drawn,
            }
        )
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to report server CPU per request."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ensure_wrk() -> str:
    """wrk (a C load generator) leaves the CPU to the server; install it if missing."""
    found = shutil.which("wrk")
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=False)
    if not shutil.which("wrk"):
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def write_bodies(path: Path, payloads: list[dict[str, Any]]) -> Path:
    with path.open("w") as out:
        for body in payloads:
            out.write(json.dumps({**body, "id": "@ID@"}) + "\n")
    return path


def measure(
    url: str,
    bodies_file: Path,
    seconds: float,
    concurrency: int,
    server_pid: int,
    nonce: int,
    cpu_of: Callable[[int], float] = cpu_seconds,
) -> dict[str, float]:
    """Drive ``url`` with wrk for ``seconds``; req/s, latency and the server's CPU per request
    (``cpu_of`` its pid: that process alone by default)."""
    before = cpu_of(server_pid)
    out = subprocess.run(
        [
            ensure_wrk(),
            "-t1",
            f"-c{concurrency}",
            f"-d{seconds:.0f}s",
            "-s",
            str(PROJECT_ROOT / "bench" / "post.lua"),
            url,
            "--",
            str(bodies_file),
            str(nonce),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stats = json.loads(out.strip().splitlines()[-1])
    cpu = cpu_of(server_pid) - before
    return {
        "requests": stats["requests"],
        "errors": stats["errors"],
        "rps": stats["requests"] / (stats["duration_us"] / 1e6),
        "p50_ms": stats["p50_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "server_cpu_us_per_req": cpu / max(1, stats["requests"]) * 1e6,
    }


def median_run(rows: list[dict[str, float]]) -> dict[str, float]:
    """Per measure, the median over the runs."""
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


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


def start(url: str, port: int, factory: str) -> subprocess.Popen[bytes]:
    """A uvicorn worker serving ``bench.floor_app.<factory>`` over ``url``."""
    return start_uvicorn(f"bench.floor_app:{factory}", port, server_env(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--answers", choices=ANSWERS, default="random", help="How answers are drawn (see ANSWERS)."
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url, cleanup = prepare_database(args.database, Path(tmp))
        (Path(tmp) / "bare").mkdir()
        bare_url, bare_cleanup = prepare_database(args.database, Path(tmp) / "bare")
        ref_dsn, ref_cleanup = reference_database(args.database, Path(tmp))
        server = start(url, PORT, "create_bench_app")
        bare = start(bare_url, PORT + 1, "create_bench_app_without_findings")
        reference = start_reference(ref_dsn, PORT + 2)
        base, bare_base = f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{PORT + 1}"
        ref_base = f"http://127.0.0.1:{PORT + 2}"
        try:
            wait_until_up(base, server)
            wait_until_up(bare_base, bare)
            wait_until_up(ref_base, reference)
            real_bodies = write_bodies(Path(tmp) / "real.jsonl", bodies(4000, answers=args.answers))
            floor_bodies = write_bodies(
                Path(tmp) / "floor.jsonl", bodies(4000, seed=8, answers=args.answers)
            )
            real_url, floor_url = base + "/api/v1/submissions", base + "/bench/floor"
            bare_url = bare_base + "/api/v1/submissions"
            ref_url = ref_base + "/ref/submissions"
            # Warm every path (and create the yards the floor reuses), then alternate them
            # so that drifts in the machine's speed fall on all alike; report the medians.
            measure(real_url, real_bodies, args.warmup, args.concurrency, server.pid, nonce=1)
            measure(floor_url, floor_bodies, args.warmup, args.concurrency, server.pid, nonce=2)
            measure(bare_url, real_bodies, args.warmup, args.concurrency, bare.pid, nonce=1)
            measure(ref_url, real_bodies, args.warmup, args.concurrency, reference.pid, nonce=1)
            runs: dict[str, list[dict[str, float]]] = {
                "real": [],
                "floor": [],
                "no_findings": [],
                "reference": [],
            }
            for round_no in range(args.rounds):
                for name, url_, file, pid in (
                    ("real", real_url, real_bodies, server.pid),
                    ("reference", ref_url, real_bodies, reference.pid),
                    ("no_findings", bare_url, real_bodies, bare.pid),
                    ("floor", floor_url, floor_bodies, server.pid),
                ):
                    # The same nonce for real, reference and no_findings: the same submissions.
                    nonce = 10 + round_no * 2 + (name == "floor")
                    runs[name].append(
                        measure(url_, file, args.seconds, args.concurrency, pid, nonce)
                    )
        finally:
            for process in (server, bare, reference):
                process.terminate()
                process.wait(timeout=30)
            cleanup()
            bare_cleanup()
            ref_cleanup()

    real, floor = median_run(runs["real"]), median_run(runs["floor"])
    no_findings = median_run(runs["no_findings"])
    reference_row = median_run(runs["reference"])
    ratio = real["rps"] / floor["rps"]
    reference_ratio = real["rps"] / reference_row["rps"]
    findings_ratio = real["rps"] / no_findings["rps"]
    report = {
        "database": args.database,
        "answers": args.answers,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "runs": runs,
        "real": real,
        "floor": floor,
        "no_findings": no_findings,
        "reference": reference_row,
        "ratio": ratio,
        "reference_ratio": reference_ratio,
        "load_average": os.getloadavg(),
        "findings_ratio": findings_ratio,
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.answers == "random" else f"-{args.answers}"
    (RESULTS / f"ingest-{args.database}{suffix}.json").write_text(json.dumps(report, indent=2))
    print(
        f"ingest on {args.database} (answers: {args.answers}), "
        f"{args.concurrency} concurrent clients, "
        f"median of {args.rounds} alternating runs of {args.seconds:.0f} s each"
    )
    print(
        f"{'endpoint':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11} {'errors':>7}"
    )
    rows = (("real", real), ("no_find", no_findings), ("floor", floor), ("refer", reference_row))
    for name, row in rows:
        print(
            f"{name:<8} {row['rps']:>8.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
            f"{row['server_cpu_us_per_req']:>11.0f} {row['errors']:>7.0f}"
        )
    print(
        f"ratio real/reference (bare FastAPI + driver, own process): {reference_ratio:.2f} "
        f"(goal >= 0.25); CPU per submission {real['server_cpu_us_per_req'] / 1000:.2f} ms "
        f"(goal <= 1.0); p99 {real['p99_ms']:.0f} ms (goal <= 150)"
    )
    print(f"ratio real/floor (the app's own envelope; a diagnosis): {ratio:.2f}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"findings cost: real/no-findings {findings_ratio:.2f}, "
        f"{(1 - findings_ratio) * 100:.0f}% of ingest throughput (goal <= 15%)"
    )


if __name__ == "__main__":
    main()
