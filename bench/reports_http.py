"""Report downloads over HTTP: cold and cached, per kind, against a bare file endpoint.

    python -m bench.reports_http [--yards 200] [--submissions 1000] [--cached 40] [--cold 3]
                                 [--baseline DIR]

Builds the demo database of ``bench.reports``, serves it with one uvicorn worker (the report
cache on, rendering in the niced process pool) and, in a process of its own, the bare
reference (``bench.reports_reference_app``: FastAPI answering a PDF read from disk). Signed
in as a city-wide inspector, for each kind (the median yard, its micro-district's month, the
busiest district's month): ``--cold`` downloads each after emptying the cache, then
``--cached`` downloads (p50/p95), alternated with as many of the reference. Results go to
bench/results/reports-http.json with the load average.

``--baseline DIR``: a second server run from another copy of the tree (say, the last commit:
``git archive HEAD | tar -x -C DIR``) over the same database; its cold downloads alternate
with this tree's, one by one, so before and after share the machine's moods. The first
download after start (the render process's spawn and first render) is reported for both.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
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

PORT, REF_PORT, BASE_PORT = 8791, 8792, 8793
EMAIL = "bench-city@example.org"


def _pct(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
    }


def _get(client: httpx.Client, path: str, timeout: float = 300) -> float:
    started = time.perf_counter()
    response = client.get(path, follow_redirects=True, timeout=timeout)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or not response.content.startswith(b"%PDF"):
        raise SystemExit(f"GET {path}: {response.status_code}")
    return elapsed


def _start_from(tree: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The app of another copy of the tree (``--baseline``), as ``start_uvicorn`` starts ours."""
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.floor_app:create_bench_app", "--factory"]
        + ["--port", str(port), "--log-level", "warning", "--no-access-log"],
        env={**os.environ, **env},
        cwd=tree,
    )


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and every descendant, whichever thread started it (the
    render process is spawned from a request's worker thread unless started with the app)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except FileNotFoundError:
            continue
    return total


def _cold(
    client: httpx.Client, path: str, reports: Path, pid: int, timeout: float = 300
) -> tuple[float, float]:
    """Wall and CPU seconds of a download after emptying the cache; the CPU is the server's
    process tree (the web process and its render process), steadier than the wall time on a
    loaded machine, where the niced render process waits for the CPU."""
    shutil.rmtree(reports, ignore_errors=True)
    cpu = tree_cpu_seconds(pid)
    wall = _get(client, path, timeout)
    return wall, tree_cpu_seconds(pid) - cpu


def _summary(samples: list[tuple[float, float]]) -> dict[str, object]:
    return {
        "cold_ms": [round(wall * 1000) for wall, _cpu in samples],
        "cold_median_ms": round(statistics.median(wall for wall, _cpu in samples) * 1000),
        "cold_cpu_median_ms": round(statistics.median(cpu for _wall, cpu in samples) * 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--yards", type=int, default=200)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--cached", type=int, default=40)
    parser.add_argument("--cold", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another tree to alternate cold runs with")
    parser.add_argument(
        "--settle", type=float, default=15.0, help="seconds up before the first download"
    )
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
        baseline = _start_from(args.baseline, BASE_PORT, env) if args.baseline else None
        base, ref_base = f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{REF_PORT}"
        out: dict[str, dict[str, object]] = {}
        try:
            wait_until_up(base, server)
            wait_until_up(ref_base, reference)
            client = logged_in(base, EMAIL)
            ref = httpx.Client(base_url=ref_base, timeout=60)
            other = None
            if baseline is not None:
                wait_until_up(f"http://127.0.0.1:{BASE_PORT}", baseline)
                other = logged_in(f"http://127.0.0.1:{BASE_PORT}", EMAIL)
            # The first render after start: the pool's spawn and imports, unless it was warmed
            # while the server was up and idle (as a real server is before its first report).
            time.sleep(args.settle)
            if other is not None and baseline is not None:
                wall, cpu = _cold(other, kinds["yard"], work / "reports", baseline.pid, 600)
                out["baseline_first_download"] = {
                    "ms": round(wall * 1000),
                    "cpu_ms": round(cpu * 1000),
                }
            wall, cpu = _cold(client, kinds["yard"], work / "reports", server.pid, 600)
            out["first_download"] = {"ms": round(wall * 1000), "cpu_ms": round(cpu * 1000)}
            print("first download", out, flush=True)
            for kind, path in kinds.items():
                cold, cold_baseline = [], []
                for _ in range(args.cold):
                    if other is not None and baseline is not None:
                        cold_baseline.append(_cold(other, path, work / "reports", baseline.pid))
                    cold.append(_cold(client, path, work / "reports", server.pid))
                shutil.rmtree(work / "reports", ignore_errors=True)
                reference_pdf.write_bytes(client.get(path).content)  # same size as served
                cached, floor = [], []
                for _ in range(args.cached):
                    cached.append(_get(client, path))
                    floor.append(_get(ref, "/ref/report.pdf"))
                out[kind] = {
                    **_summary(cold),
                    "cached": _pct(cached),
                    "floor": _pct(floor),
                    "bytes": reference_pdf.stat().st_size,
                    "load_average": [round(x, 2) for x in os.getloadavg()],
                }
                if other is not None:
                    shutil.rmtree(work / "reports", ignore_errors=True)
                    out[kind]["baseline"] = {
                        **_summary(cold_baseline),
                        "bytes": len(other.get(path).content),
                    }
                print(kind, json.dumps(out[kind]), flush=True)
        finally:
            for process in (server, reference, baseline):
                if process is None:
                    continue
                process.terminate()
                process.wait(timeout=60)
    result = {"results": out, "load_average": os.getloadavg(), "at": time.strftime("%F %T")}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reports-http.json").write_text(json.dumps(result, indent=2) + "\n")
    print("load average at the end:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
