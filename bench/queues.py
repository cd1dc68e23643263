"""The work queues at the 1M-submission scale: the inspector's /inspector/queue and the
cooperative's /my-yards, p50/p95 against a bare GET through the same server.

    python -m bench.queues [--database sqlite|postgresql] [--reads 60]

Uses (or builds, ~10 minutes) the large database of ``bench.large`` (1,000,000 submissions
over 20,000 yards, with the demo's bodies, every yard's findings and the demo's cooperatives:
``bench.large_findings``), served from a copy by one uvicorn worker. Logged in as an inspector
of the Almaly district, as a city-wide inspector and as the account of the cooperative with
the most findings, it times sequential GETs of each page (warm: the Almaly queue and its
"overdue only", the city-wide queue, the Almaly inspector's dashboard, /my-yards) and of GET
/ref/get, a bare small JSON answer of ``bench.reference_app`` in a process of its own (FastAPI
alone, no SafeYard code: the floor), and of /bench/floor-get (the same answer through the
app's own middleware, a diagnosis), wall clock at
the client and the server's CPU.
Goal: p95 < 100 ms. Results go to bench/results/queues-<database>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.bodies.models import BodyMember, YardCooperative
from app.checklists.loader import load_registry
from app.findings.models import Finding
from app.platform.config import PROJECT_ROOT, Settings
from app.platform.db import Database, table_of
from bench.ingest import RESULTS, cpu_seconds, reference_database, start_reference, wait_until_up
from bench.large import _percentiles, built_database, run_copy, start_server

PORT = 8769
PASSWORD = "bench queue password"
INSPECTOR = "bench-queue-inspector@example.kz"
COOPERATIVE = "bench-queue-cooperative@example.kz"
CITY = "bench-queue-city@example.kz"
DISTRICT = "almaly"
_COOP = table_of(YardCooperative)
_FINDING = table_of(Finding)


def add_accounts(url: str) -> dict[str, Any]:
    """An inspector of the district, and the account of the cooperative whose yards have the
    most findings (linked to its yards and its body). Returns what was chosen."""
    db = Database(url)
    try:
        with db.write_session() as session:
            accounts_service.create_user(
                session,
                email=INSPECTOR,
                name="Benchmark inspector",
                role=UserRole.inspector,
                password=PASSWORD,
                links=accounts_service.Links([DISTRICT], [], []),
            )
            accounts_service.create_user(
                session,
                email=CITY,
                name="Benchmark city-wide inspector",
                role=UserRole.inspector,
                password=PASSWORD,
                links=accounts_service.Links([], [], [], city_wide=True),
            )
            body_id, findings = session.execute(
                select(_COOP.c.body_id, func.count(_FINDING.c.id))
                .join(_FINDING, _FINDING.c.yard_id == _COOP.c.yard_id)
                .group_by(_COOP.c.body_id)
                .order_by(func.count(_FINDING.c.id).desc())
                .limit(1)
            ).one()
            yard_ids = list(
                session.execute(select(_COOP.c.yard_id).where(_COOP.c.body_id == body_id)).scalars()
            )
            user = accounts_service.create_user(
                session,
                email=COOPERATIVE,
                name="Benchmark cooperative",
                role=UserRole.cooperative,
                password=PASSWORD,
                links=accounts_service.Links([], [], yard_ids),
            )
            session.flush()
            session.execute(insert(table_of(BodyMember)).values(body_id=body_id, user_id=user.id))
            in_district = session.execute(
                select(func.count(_FINDING.c.id)).where(_FINDING.c.district_id == DISTRICT)
            ).scalar_one()
    finally:
        db.dispose()
    return {
        "cooperative": body_id,
        "cooperative_yards": len(yard_ids),
        "cooperative_findings": findings,
        "district_findings": in_district,
    }


def logged_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60, headers={"Origin": base})
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit("no login form")
    response = client.post(
        "/login",
        data={"csrf_token": token.group(1), "email": email, "password": PASSWORD, "next": "/"},
    )
    if response.status_code >= 400:
        raise SystemExit(f"could not log in as {email}: {response.status_code}")
    return client


def time_page(client: httpx.Client, path: str, *, reads: int, pid: int) -> dict[str, Any]:
    for _ in range(5):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code}")
    samples, cpu_total = [], 0.0
    for _ in range(reads):
        cpu, started = cpu_seconds(pid), time.perf_counter()
        client.get(path).raise_for_status()
        samples.append(time.perf_counter() - started)
        cpu_total += cpu_seconds(pid) - cpu
    return {
        "path": path,
        "bytes": len(response.content),
        **_percentiles(samples),
        "server_cpu_ms_mean": cpu_total / reads * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--submissions", type=int, default=1_000_000)
    parser.add_argument("--yards", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--reads", type=int, default=60)
    args = parser.parse_args()

    registry = load_registry(PROJECT_ROOT / "app" / "checklists" / "data")
    url, meta = built_database(args, registry, Settings())
    with tempfile.TemporaryDirectory() as tmp:
        copy_url, drop = run_copy(args.database, url, Path(tmp))
        chosen = add_accounts(copy_url)
        # The benchmark's accounts log in with a password alone (no authenticator app).
        os.environ["SAFEYARD_REQUIRE_TOTP"] = "false"
        server = start_server(copy_url, PORT)
        ref_dsn, ref_drop = reference_database("sqlite", Path(tmp))
        reference = start_reference(ref_dsn, PORT + 1)
        base, ref_base = f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{PORT + 1}"
        try:
            wait_until_up(base, server)
            wait_until_up(ref_base, reference)
            rows = []
            with httpx.Client(base_url=ref_base, timeout=60) as bare:
                rows.append(
                    {
                        "who": "reference",
                        **time_page(bare, "/ref/get", reads=args.reads, pid=reference.pid),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
            inspector, cooperative = logged_in(base, INSPECTOR), logged_in(base, COOPERATIVE)
            city = logged_in(base, CITY)
            for who, client, path in (
                ("almaly", inspector, "/bench/floor-get"),
                ("almaly", inspector, "/inspector/queue"),
                ("almaly", inspector, "/inspector/queue?overdue=1"),
                ("city", city, "/inspector/queue"),
                ("almaly", inspector, "/inspector"),
                ("cooperative", cooperative, "/my-yards"),
            ):
                timed = time_page(client, path, reads=args.reads, pid=server.pid)
                rows.append({"who": who, **timed})
                print(json.dumps(rows[-1]), flush=True)
        finally:
            for process in (server, reference):
                process.terminate()
                process.wait(timeout=30)
            drop()
            ref_drop()
    floor = rows[0]
    report = {
        "database": args.database,
        "built": meta,
        "chosen": chosen,
        "rows": rows,
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"queues-{args.database}.json").write_text(json.dumps(report, indent=2))
    print(f"queues on {args.database} at {meta.get('submissions')} submissions; {chosen}")
    print(f"{'who':<12} {'path':<30} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'p95/floor':>10}")
    for row in rows:
        print(
            f"{row['who']:<12} {row['path']:<30} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['server_cpu_ms_mean']:>8.1f} {row['p95_ms'] / floor['p95_ms']:>10.1f}"
        )
    print("goal: p95 < 100 ms for the queue and /my-yards")


if __name__ == "__main__":
    main()
