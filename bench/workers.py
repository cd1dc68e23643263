"""What a second worker gives: ingest with one and with two uvicorn workers, alternated.

    python -m bench.workers [--database sqlite|postgresql] [--seconds 8] [--rounds 3]

The same service (``bench.floor_app:create_bench_app``), the same bodies and the same wrk
load as ``bench.ingest``, on one fresh database per worker count, served by ``uvicorn
--workers 1`` and ``--workers 2`` in turn; both servers stay up and are measured one after the
other so that drifts in the machine's speed fall on both alike. The bare reference endpoint of
``bench.ingest`` (FastAPI + the driver, no app code) runs in the same alternation as the floor.
The server's CPU is summed over the uvicorn process and its workers. No target (the issue asks
what two workers give and why): this machine has two cores shared by the workers, the database
and the load generator.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench import ingest
from bench.ingest import (
    RESULTS,
    bodies,
    median_run,
    prepare_database,
    reference_database,
    server_env,
    start_reference,
    wait_until_up,
    write_bodies,
)

PORT = 8775


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children (uvicorn's workers)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except FileNotFoundError:
            continue
        pending.extend(int(child) for child in children)
    return total


def start_workers(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    return ingest.start_uvicorn(
        "bench.floor_app:create_bench_app", port, server_env(url), workers=workers
    )


def measure(
    url: str, bodies_file: Path, seconds: float, concurrency: int, pid: int, nonce: int
) -> dict[str, float]:
    """``bench.ingest.measure`` with the CPU of the whole process tree."""
    return ingest.measure(
        url, bodies_file, seconds, concurrency, pid, nonce, cpu_of=tree_cpu_seconds
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        servers = {}
        cleanups = []
        for n, workers in enumerate((1, 2)):
            (Path(tmp) / f"w{workers}").mkdir()
            url, cleanup = prepare_database(args.database, Path(tmp) / f"w{workers}")
            cleanups.append(cleanup)
            servers[workers] = (start_workers(url, PORT + n, workers), PORT + n)
        ref_dsn, ref_cleanup = reference_database(args.database, Path(tmp))
        cleanups.append(ref_cleanup)
        reference = start_reference(ref_dsn, PORT + 2)
        runs: dict[str, list[dict[str, float]]] = {"1 worker": [], "2 workers": [], "reference": []}
        try:
            for process, port in servers.values():
                wait_until_up(f"http://127.0.0.1:{port}", process)
            wait_until_up(f"http://127.0.0.1:{PORT + 2}", reference)
            payload = write_bodies(Path(tmp) / "bodies.jsonl", bodies(4000))
            submit = "http://127.0.0.1:{}/api/v1/submissions"
            targets = {
                "1 worker": (submit.format(servers[1][1]), servers[1][0]),
                "2 workers": (submit.format(servers[2][1]), servers[2][0]),
                "reference": (f"http://127.0.0.1:{PORT + 2}/ref/submissions", reference),
            }
            for url, process in targets.values():  # warm every worker and path
                measure(url, payload, args.warmup, args.concurrency, process.pid, nonce=1)
            for round_no in range(args.rounds):
                for name, (url, process) in targets.items():
                    nonce = 10 + round_no
                    runs[name].append(
                        measure(url, payload, args.seconds, args.concurrency, process.pid, nonce)
                    )
        finally:
            for process, _ in servers.values():
                process.terminate()
                process.wait(timeout=30)
            reference.terminate()
            reference.wait(timeout=30)
            for cleanup in cleanups:
                cleanup()

    medians = {name: median_run(rows) for name, rows in runs.items()}
    report = {
        "database": args.database,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "runs": runs,
        "medians": medians,
        "two_over_one": medians["2 workers"]["rps"] / medians["1 worker"]["rps"],
        "load_average": [load_before, os.getloadavg()],
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"workers-{args.database}.json").write_text(json.dumps(report, indent=2))
    print(f"ingest on {args.database}, {args.concurrency} clients, median of {args.rounds} runs")
    for name, row in medians.items():
        print(
            f"  {name:10} {row['rps']:7.0f} req/s  p50 {row['p50_ms']:6.1f} ms  "
            f"p99 {row['p99_ms']:6.1f} ms  CPU {row['server_cpu_us_per_req']:6.0f} us/req  "
            f"errors {row['errors']:.0f}"
        )
    load_after = os.getloadavg()
    print(f"  two workers / one: {report['two_over_one']:.2f}x; load {load_before} -> {load_after}")


if __name__ == "__main__":
    main()
