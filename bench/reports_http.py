"""Report downloads over HTTP: cold and cached, per kind, against a bare file endpoint.

    python -m bench.reports_http [--yards 200] [--submissions 1000] [--cached 40] [--cold 3]

Builds the demo database of ``bench.reports``, serves it with one uvicorn worker (the report
cache on, rendering in the niced process pool) and, in a process of its own, the bare
reference (``bench.reports_reference_app``: FastAPI answering a PDF read from disk). Signed
in as a city-wide inspector, for each kind (the median yard, its micro-district's month, the
busiest district's month): ``--cold`` downloads each after emptying the cache, then
``--cached`` downloads (p50/p95), alternated with as many of the reference. Results go to
bench/results/reports-http.json with the load average.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.submissions.models import Submission
from app.yards.models import Yard
from bench.ingest import RESULTS, server_env, start_uvicorn, wait_until_up
from bench.queues import PASSWORD, logged_in
from bench.reports import prepare

PORT, REF_PORT = 8791, 8792
EMAIL = "bench-city@example.org"


def _pct(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
    }


def _get(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path, follow_redirects=True)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or not response.content.startswith(b"%PDF"):
        raise SystemExit(f"GET {path}: {response.status_code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--yards", type=int, default=200)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--cached", type=int, default=40)
    parser.add_argument("--cold", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="safeyard-bench-reports-http-") as tmp:
        work = Path(tmp)
        settings, db, registry = prepare(work, yards=args.yards, submissions=args.submissions)
        with db.write_session() as session:
            accounts_service.create_user(
                session,
                email=EMAIL,
                name="Benchmark city-wide inspector",
                role=UserRole.inspector,
                password=PASSWORD,
                links=accounts_service.Links([], [], [], city_wide=True),
            )
        with db.session() as session:
            yard_ids = list(session.execute(select(Yard.id).order_by(Yard.id)).scalars())
            yard = session.get(Yard, yard_ids[len(yard_ids) // 2])
            assert yard is not None and yard.micro_district_id is not None
            district = (
                session.execute(
                    select(Submission.district_id)
                    .group_by(Submission.district_id)
                    .order_by(func.count().desc())
                )
                .scalars()
                .first()
            )
        db.dispose()
        kinds = {
            "yard": f"/yards/{yard.id}/report.pdf?lang=ru",
            "micro_district": f"/inspector/reports/micro-districts/{yard.micro_district_id}.pdf",
            "district": f"/inspector/reports/districts/{district}.pdf",
        }
        env = {
            **server_env(settings.database_url),
            "SAFEYARD_DATA_DIR": str(work),
            "SAFEYARD_RATE_LIMIT_REPORTS": "0",
            "SAFEYARD_REQUIRE_TOTP": "false",  # a benchmark account, no authenticator
        }
        server = start_uvicorn("bench.floor_app:create_bench_app", PORT, env)
        reference_pdf = work / "reference.pdf"
        reference = start_uvicorn(
            "bench.reports_reference_app:create_reference_app",
            REF_PORT,
            {"BENCH_REFERENCE_PDF": str(reference_pdf)},
        )
        base, ref_base = f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{REF_PORT}"
        out: dict[str, dict[str, object]] = {}
        try:
            wait_until_up(base, server)
            wait_until_up(ref_base, reference)
            client = logged_in(base, EMAIL)
            ref = httpx.Client(base_url=ref_base, timeout=60)
            client.get(kinds["yard"], timeout=120)  # the pool's first render pays the imports
            for kind, path in kinds.items():
                cold = []
                for _ in range(args.cold):
                    shutil.rmtree(work / "reports", ignore_errors=True)
                    cold.append(_get(client, path))
                reference_pdf.write_bytes(client.get(path).content)  # same size as served
                cached, floor = [], []
                for _ in range(args.cached):
                    cached.append(_get(client, path))
                    floor.append(_get(ref, "/ref/report.pdf"))
                out[kind] = {
                    "cold_ms": [round(c * 1000) for c in cold],
                    "cold_median_ms": round(statistics.median(cold) * 1000),
                    "cached": _pct(cached),
                    "floor": _pct(floor),
                    "bytes": reference_pdf.stat().st_size,
                }
                print(kind, json.dumps(out[kind]), flush=True)
        finally:
            for process in (server, reference):
                process.terminate()
                process.wait(timeout=60)
    result = {"results": out, "load_average": os.getloadavg(), "at": time.strftime("%F %T")}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reports-http.json").write_text(json.dumps(result, indent=2) + "\n")
    print("load average at the end:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
