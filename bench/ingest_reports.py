"""Ingest while reports render: does a PDF download take the CPU that answers checklists?

    python -m bench.ingest_reports [--seconds 10] [--rounds 3] [--downloaders 2]

Builds a fresh SQLite database with Almaty's districts and the demo's synthetic yards and
submissions, and serves it twice, one uvicorn worker each, with the report cache off (every
download renders, as a cold report does); the PDFs downloaded are residents' result reports
(``/result/{id}/report.pdf``, a yard report with the resident's answers), a different one each
time:
  in-process - SAFEYARD_REPORT_PROCESSES=0: WeasyPrint in the web process's threads;
  pool       - SAFEYARD_REPORT_PROCESSES=1: WeasyPrint in a separate, niced process.
For each, alternated by round: ingest alone (wrk, 16 connections, ``POST
/api/v1/submissions``), then the same ingest while ``--downloaders`` clients download yard
PDFs one after another, with a probe timing ``GET /healthz`` every 50 ms. Reports ingest
req/s with and without the downloads, their ratio (goal >= 0.8), the PDFs made, the /healthz
p99 (goal <= 50 ms) and the load average. Results go to bench/results/ingest-reports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from app.submissions.models import Submission
from bench.ingest import (
    RESULTS,
    bodies,
    measure,
    median_run,
    server_env,
    start_uvicorn,
    wait_until_up,
    write_bodies,
)
from bench.reports import prepare

PORT = 8775
MODES = {"in_process": "0", "pool": "1"}


def start(url: str, port: int, workdir: Path, processes: str) -> subprocess.Popen[bytes]:
    env = {
        **server_env(url),
        "SAFEYARD_DATA_DIR": str(workdir),
        "SAFEYARD_REPORT_CACHE_MB": "0",
        "SAFEYARD_RATE_LIMIT_REPORTS": "0",
        "SAFEYARD_REPORT_PROCESSES": processes,
    }
    return start_uvicorn("bench.floor_app:create_bench_app", port, env)


class Downloads:
    """``count`` clients downloading yard PDFs in turn, and a /healthz probe, until stopped."""

    def __init__(self, base: str, result_ids: list[str], count: int) -> None:
        self.base, self.result_ids, self.count = base, result_ids, count
        self.stop = threading.Event()
        self.pdfs = 0
        self.refused: dict[int, int] = {}  # status -> count, for anything but 200
        self.health_ms: list[float] = []
        self.threads = [threading.Thread(target=self._download, args=(n,)) for n in range(count)]
        self.threads.append(threading.Thread(target=self._probe))

    def _download(self, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as client:
            i = n
            while not self.stop.is_set():
                result_id = self.result_ids[i % len(self.result_ids)]
                status = client.get(f"/result/{result_id}/report.pdf").status_code
                if status == 200:
                    self.pdfs += 1
                else:
                    self.refused[status] = self.refused.get(status, 0) + 1
                i += self.count

    def _probe(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            while not self.stop.is_set():
                started = time.perf_counter()
                client.get("/healthz")
                self.health_ms.append((time.perf_counter() - started) * 1000)
                time.sleep(0.05)

    def __enter__(self) -> Downloads:
        for thread in self.threads:
            thread.start()
        time.sleep(1.0)  # the first renders under way before ingest starts
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--downloaders", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        settings, db, _registry = prepare(work, yards=200, submissions=1000)
        with db.session() as session:
            # The resident's result PDF: anonymous (its id is the capability), a yard report.
            result_ids = [
                str(i)
                for i in session.execute(select(Submission.id).order_by(Submission.id)).scalars()
            ]
        db.dispose()
        url = settings.database_url
        for mode in MODES:
            (work / mode).mkdir()
        servers = {
            mode: start(url, PORT + n, work / mode, processes)
            for n, (mode, processes) in enumerate(MODES.items())
        }
        bases = {mode: f"http://127.0.0.1:{PORT + n}" for n, mode in enumerate(MODES)}
        results: dict[str, dict[str, list[Any]]] = {
            mode: {"alone": [], "loaded": [], "pdfs": [], "healthz_p99_ms": []} for mode in MODES
        }
        try:
            for mode in MODES:
                wait_until_up(bases[mode], servers[mode])
            payloads = write_bodies(work / "bodies.jsonl", bodies(4000))
            for mode in MODES:  # warm: the first render pays WeasyPrint's import
                httpx.get(f"{bases[mode]}/result/{result_ids[0]}/report.pdf", timeout=120)
                measure(
                    bases[mode] + "/api/v1/submissions",
                    payloads,
                    3,
                    args.concurrency,
                    servers[mode].pid,
                    nonce=1 + list(MODES).index(mode),
                )
            for round_no in range(args.rounds):
                for n, mode in enumerate(MODES):
                    target = bases[mode] + "/api/v1/submissions"
                    pid = servers[mode].pid
                    nonce = 100 + round_no * 10 + n * 2
                    alone = measure(target, payloads, args.seconds, args.concurrency, pid, nonce)
                    with Downloads(bases[mode], result_ids, args.downloaders) as downloads:
                        loaded = measure(
                            target, payloads, args.seconds, args.concurrency, pid, nonce + 1
                        )
                    row = results[mode]
                    row["alone"].append(alone)
                    row["loaded"].append(loaded)
                    row["pdfs"].append(downloads.pdfs)
                    row["healthz_p99_ms"].append(p99(downloads.health_ms))
                    print(
                        f"round {round_no + 1} {mode}: alone {alone['rps']:.0f} req/s, with "
                        f"downloads {loaded['rps']:.0f} req/s, {downloads.pdfs} PDFs, /healthz "
                        f"p99 {row['healthz_p99_ms'][-1]:.0f} ms; refused {downloads.refused}",
                        flush=True,
                    )
        finally:
            for server in servers.values():
                server.terminate()
                server.wait(timeout=60)

    summary = {}
    for mode, row in results.items():
        alone, loaded = median_run(row["alone"]), median_run(row["loaded"])
        summary[mode] = {
            "alone": alone,
            "loaded": loaded,
            "ratio": loaded["rps"] / alone["rps"],
            "pdfs": statistics.median(row["pdfs"]),
            "healthz_p99_ms": statistics.median(row["healthz_p99_ms"]),
        }
    report = {
        "seconds": args.seconds,
        "rounds": args.rounds,
        "downloaders": args.downloaders,
        "results": results,
        "summary": summary,
        "load_average": os.getloadavg(),
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ingest-reports.json").write_text(json.dumps(report, indent=2))
    print(f"ingest with {args.downloaders} clients downloading cold yard PDFs (median of rounds)")
    print(f"{'mode':<11} {'alone':>7} {'loaded':>7} {'ratio':>6} {'PDFs':>5} {'healthz p99':>12}")
    for mode, s in summary.items():
        print(
            f"{mode:<11} {s['alone']['rps']:>7.0f} {s['loaded']['rps']:>7.0f} "
            f"{s['ratio']:>6.2f} {s['pdfs']:>5.0f} {s['healthz_p99_ms']:>9.0f} ms"
        )
    print("goal: ratio >= 0.8 and /healthz p99 <= 50 ms")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
