"""Lighthouse on the residents' pages, in Russian and Kazakh, with one command.

    .venv/bin/python -m bench.lighthouse [--runs 1] [--database PATH] [--port 8099] [--json OUT]
        [--only /map] [--reports DIR] [--reference http://127.0.0.1:8102]

What it does, as a user would: builds the demo database (``safeyard demo``) in a temporary
folder (or reuses ``--database``, a file ``safeyard demo`` made), starts ``safeyard serve`` on
it, sends one checklist through the API to get a ``/result/{id}`` page, then runs Lighthouse
(mobile preset: simulated slow 4G and a 4x slower CPU) in Debian's Chromium on each page and
prints performance, accessibility and best-practices scores with CLS, LCP and TBT, and
Lighthouse's CPU benchmark index of the run ("cpu": lower means a busier or slower CPU). With
``--runs N`` each page is measured N times and the run with the median performance is shown;
``--reports DIR`` keeps Lighthouse's full JSON report of every run (``map-ru-0.json``...) to
read what it penalises. ``--reference URL`` measures, run for run and alternating with this
tree's server, another server already running on the same database (e.g. an older commit
from ``git archive``, served with ``PYTHONPATH``): its rows say "ref". Before measuring, each
server is asked once for every page and the base layer (a cold process builds the base layer
for seconds, which would flatter the first run).

Lighthouse comes from the npm registry into a cache folder outside the repository
(``$SAFEYARD_LIGHTHOUSE_CACHE``, default ``~/.cache/safeyard/lighthouse``) the first time.
Nothing in the test suite needs it. Results: docs/PERFORMANCE.md, "Lighthouse on the
residents' pages".
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from app.checklists.loader import load_registry
from app.platform.config import PROJECT_ROOT

CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CACHE = Path(
    os.environ.get("SAFEYARD_LIGHTHOUSE_CACHE", Path.home() / ".cache" / "safeyard" / "lighthouse")
)
LANGS = ("ru", "kk")
# The pages a resident opens; {yard} and {result} are filled in once the server runs.
PAGES = ("/", "/yard/find", "/checklist", "/mine", "/map", "/yards/{yard}", "/result/{result}")
CATEGORIES = ("performance", "accessibility", "best-practices")
BIN = Path(sys.executable).parent


def lighthouse_binary() -> Path:
    """The cached Lighthouse CLI, installed with npm on first use."""
    binary = CACHE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        if not (CACHE / "package.json").exists():
            subprocess.run(["npm", "init", "-y"], cwd=CACHE, check=True, capture_output=True)
        print(f"installing lighthouse with npm into {CACHE} ...", file=sys.stderr)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "lighthouse"], cwd=CACHE, check=True
        )
    return binary


def build_demo(workdir: Path, env: dict[str, str]) -> None:
    print("building the demo database (safeyard demo, ~1 min) ...", file=sys.stderr)
    subprocess.run(
        [str(BIN / "safeyard"), "demo"], cwd=workdir, env=env, check=True, stdout=subprocess.DEVNULL
    )


def start_server(workdir: Path, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    with socket.socket() as probe:
        # Another server there would answer /healthz and be measured instead of this one.
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is in use; pass --port")
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "safeyard"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server did not start; see {workdir / 'server.log'}")


def busiest_yard(database: Path) -> int:
    """The demo yard with the most submissions: its public page has the most to show."""
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT yard_id FROM submission WHERE yard_id IS NOT NULL "
            "GROUP BY yard_id ORDER BY count(*) DESC, yard_id LIMIT 1"
        ).fetchone()
    if row is None:
        raise SystemExit("the demo database has no yard with submissions")
    return int(row[0])


def send_checklist(base: str, yard_id: int) -> str:
    """One resident's checklist for ``yard_id`` (the worst answers, so the result page has a
    full fix plan); returns its id."""
    loaded = load_registry(PROJECT_ROOT / "app" / "checklists" / "data").current
    answers = {}
    for item in loaded.checklist.items():
        if item.scored and "resident" in item.roles:
            answers[item.id] = max(item.options, key=lambda o: o.risk or 0.0).value
    body = {
        "id": str(uuid.uuid4()),
        "checklist_version": loaded.version,
        "yard_id": yard_id,
        "answers": answers,
    }
    response = httpx.post(f"{base}/api/v1/submissions", json=body, timeout=30)
    response.raise_for_status()
    return str(body["id"])


def run_lighthouse(binary: Path, url: str, out: Path, tries: int = 3) -> dict[str, Any]:
    """One Lighthouse run; on a loaded machine a run now and then fails to record its trace
    (NO_NAVSTART): it is run again, up to ``tries`` times."""
    for attempt in range(1, tries + 1):
        try:
            return lighthouse_once(binary, url, out)
        except subprocess.CalledProcessError:
            if attempt == tries:
                raise
            print(f"  lighthouse failed on {url}; running it again", file=sys.stderr)
    raise AssertionError("unreachable")


def lighthouse_once(binary: Path, url: str, out: Path) -> dict[str, Any]:
    subprocess.run(
        [
            str(binary),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            # The trace beside the report (<out>-0.trace.json): read for "TBT cpu" below.
            "--save-assets",
            "--chrome-flags=--headless=new --no-sandbox",
        ],
        env={**os.environ, "CHROME_PATH": CHROME},
        check=True,
    )
    report = json.loads(out.read_text())
    audits = report["audits"]
    trace = out.with_name(out.stem + "-0.trace.json")
    tbt_cpu = cpu_blocking_time(trace, audits)
    trace.unlink(missing_ok=True)
    out.with_name(out.stem + "-0.devtoolslog.json").unlink(missing_ok=True)
    opportunities = sorted(
        (
            (a.get("details", {}).get("overallSavingsMs", 0) or 0, key)
            for key, a in audits.items()
            if a.get("details", {}).get("type") == "opportunity"
            and (a.get("details", {}).get("overallSavingsMs") or 0) > 0
        ),
        reverse=True,
    )
    return {
        "url": url,
        **{c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES},
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "tbt_cpu_ms": tbt_cpu,
        "performance_cpu": performance_with_tbt(report, tbt_cpu),
        # Lighthouse's own CPU yardstick for this run: on a busy machine it drops and TBT (so
        # performance) reads worse than a quiet one would; it tells a noisy run from a slow page.
        "benchmark_index": round(report["environment"]["benchmarkIndex"]),
        "opportunities": [f"{key} {ms:.0f} ms" for ms, key in opportunities[:3]],
    }


def warm_up(base: str, paths: list[str]) -> None:
    """One request per page and base-layer part, so no run meets a cold cache."""
    for lang in LANGS:
        for path in paths:
            httpx.get(f"{base}{path}?lang={lang}", timeout=120)
        for detail in ("false", "true"):
            httpx.get(f"{base}/api/v1/map/base?lang={lang}&detail={detail}", timeout=120)


# Lighthouse's mobile preset: its CPU slowdown, and the scoring curve of TBT (p10, median).
CPU_SLOWDOWN = 4
TBT_CURVE = (200.0, 600.0)


def cpu_blocking_time(trace_path: Path, audits: dict[str, Any]) -> float:
    """Total Blocking Time counted from the page's main-thread tasks' *thread* (CPU) time,
    not their wall time: each task after the first contentful paint blocks for
    max(0, 4 x its CPU time - 50 ms). On a loaded machine a task's wall time includes the
    time the thread waited for a core, which Lighthouse scales by 4 as if it were work; its
    CPU time does not."""
    events = json.loads(trace_path.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    tasks: dict[tuple[int, int], list[dict[str, Any]]] = {m: [] for m in mains}
    for e in events:
        if e.get("name") == "RunTask" and e.get("ph") == "X" and (e["pid"], e["tid"]) in mains:
            tasks[(e["pid"], e["tid"])].append(e)
    # The page's renderer is the one that worked most.
    page = max(tasks.values(), key=lambda ts: sum(t.get("tdur", 0) for t in ts), default=[])
    metrics = audits["metrics"]["details"]["items"][0]
    fcp = metrics["observedFirstContentfulPaintTs"]
    blocking_us = sum(
        max(0.0, CPU_SLOWDOWN * t.get("tdur", t["dur"]) - 50_000) for t in page if t["ts"] >= fcp
    )
    return blocking_us / 1000


def log_normal_score(p10: float, median: float, value: float) -> float:
    """Lighthouse's metric score (shared/statistics.js getLogNormalScore)."""
    if value <= 0:
        return 1.0
    standardized = math.log(value / median) * 0.9061938024368232 / -math.log(p10 / median)
    score = math.erfc(standardized) / 2
    if value <= p10:
        return max(0.9, min(1.0, score))
    if value <= median:
        return max(0.5, min(0.8999, score))
    return max(0.0, min(0.4999, score))


def performance_with_tbt(report: dict[str, Any], tbt_ms: float) -> int:
    """The performance score with TBT's score from ``tbt_ms``, every other metric as measured."""
    refs = [r for r in report["categories"]["performance"]["auditRefs"] if r["weight"]]
    total = 0.0
    for ref in refs:
        score = report["audits"][ref["id"]]["score"] or 0.0
        if ref["id"] == "total-blocking-time":
            score = log_normal_score(*TBT_CURVE, tbt_ms)
        total += ref["weight"] * score
    return round(100 * total / sum(r["weight"] for r in refs))


def version(program: str) -> str:
    return subprocess.run([program, "--version"], capture_output=True, text=True).stdout.strip()


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r["performance"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen["performance_runs"] = [r["performance"] for r in runs]
    return chosen


def print_table(rows: list[dict[str, Any]]) -> None:
    print(
        f"{'page':<28} {'lang':<6} {'perf':>4} {'a11y':>4} {'bp':>4} {'CLS':>6} "
        f"{'LCP ms':>7} {'TBT ms':>6} {'cpu':>5} {'TBT cpu':>7} {'perf cpu':>8}  opportunities"
    )
    for r in rows:
        runs = r.get("performance_runs", [])
        perf = f"{r['performance']}" + (f" {runs}" if len(runs) > 1 else "")
        print(
            f"{r['page']:<28} {r['lang']:<6} {perf:>4} {r['accessibility']:>4} "
            f"{r['best-practices']:>4} {r['cls']:>6.3f} {r['lcp_ms']:>7.0f} "
            f"{r['tbt_ms']:>6.0f} {r['benchmark_index']:>5} {r['tbt_cpu_ms']:>7.0f} "
            f"{r['performance_cpu']:>8}  {'; '.join(r['opportunities']) or '-'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs per page (median shown)")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--database", type=Path, help="an existing demo SQLite file to reuse")
    parser.add_argument("--only", help="measure only pages whose path starts with this")
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    parser.add_argument(
        "--reports", type=Path, help="keep Lighthouse's full JSON reports in this folder"
    )
    parser.add_argument(
        "--reference", help="another running server (same database) to measure alternately"
    )
    args = parser.parse_args()

    # A kill ends the run through the finally below, which stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    binary = lighthouse_binary()
    workdir = Path(tempfile.mkdtemp(prefix="safeyard-lighthouse-"))
    reports = args.reports or workdir
    reports.mkdir(parents=True, exist_ok=True)
    database = args.database.resolve() if args.database else workdir / "demo.db"
    env = {
        **os.environ,
        "SAFEYARD_DATABASE_URL": f"sqlite:///{database}",
        "SAFEYARD_DATA_DIR": str(workdir / "var"),
    }
    if not args.database:
        build_demo(workdir, env)
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(workdir, env, args.port)
    rows: list[dict[str, Any]] = []
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    try:
        yard_id = busiest_yard(database)
        result_id = send_checklist(base, yard_id)
        pages = [(page, page.format(yard=yard_id, result=result_id)) for page in PAGES]
        pages = [(page, path) for page, path in pages if path.startswith(args.only or "")]
        servers = [("", base)] + ([(" ref", args.reference.rstrip("/"))] if args.reference else [])
        for _, server_url in servers:
            warm_up(server_url, [path for _, path in pages])
        for page, path in pages:
            for lang in LANGS:
                slug = path.strip("/").replace("/", "-") or "home"
                runs: dict[str, list[dict[str, Any]]] = {tag: [] for tag, _ in servers}
                for n in range(args.runs):
                    for tag, server_url in servers:
                        out = reports / f"{slug}-{lang}{tag.strip() and '-ref'}-{n}.json"
                        url = f"{server_url}{path}?lang={lang}"
                        run = run_lighthouse(binary, url, out)
                        runs[tag].append(run)
                        print(
                            f"    {path} {lang}{tag} run {n}: performance {run['performance']}, "
                            f"TBT {run['tbt_ms']:.0f} ms, TBT cpu {run['tbt_cpu_ms']:.0f} ms, "
                            f"CPU index {run['benchmark_index']}",
                            file=sys.stderr,
                        )
                for tag, _ in servers:
                    row = {
                        **median_run(runs[tag]),
                        "page": page.format(yard="{id}", result="{id}"),
                        "lang": lang + tag,
                    }
                    rows.append(row)
                    print(
                        f"  {row['page']} {row['lang']}: performance {row['performance']}",
                        file=sys.stderr,
                    )
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"\nLighthouse {version(str(binary))}, {version(CHROME)}, "
        f"mobile preset, {args.runs} run(s) per page"
    )
    print(f"load average (1/5/15 min) before {' '.join(load_before)}, after {' '.join(load_after)}")
    print_table(rows)
    worst = min(r["performance"] for r in rows) if rows else None
    print(
        f"lowest performance: {worst}; median of all: "
        f"{statistics.median(r['performance'] for r in rows) if rows else '-'}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"load_before": load_before, "load_after": load_after, "rows": rows}, indent=2
            )
        )
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
