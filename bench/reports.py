"""PDF report benchmark: a warm yard report against WeasyPrint's floor, in the same run.

    python -m bench.reports [--yards 200] [--submissions 1000] [--runs 7]

Builds a fresh SQLite database with Almaty's districts and synthetic yards and submissions
(the demo generator), pins itself to one CPU core, then alternates, ``--runs`` times each:

  floor     - WeasyPrint rendering a minimal one-page HTML (no stylesheet): what any PDF costs;
  yard      - a typical yard's report: its data gathered from the database, the HTML rendered
              by Jinja, the PDF by WeasyPrint (the cache disabled, so every run renders);
  largest   - the same for the yard whose report is longest (most failing items);
  district  - the monthly report of the district with the most checks.

Everything is warm: each is rendered once before the measured runs. Reports the median wall
time and CPU time of each, and the ratio to the floor. Results go to bench/results/.
(Rendering runs in the niced pool, so "cpu ms" here is this process's share only.)

Downloads over HTTP, cold and cached per kind against a bare endpoint in its own process:
``python -m bench.reports_http`` (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.areas.shapes import load_area_shapes
from app.areas.trend import month_of
from app.channels.reports import render
from app.channels.reports.district import area_report
from app.channels.reports.service import report_pdf
from app.channels.reports.yard import yard_report
from app.checklists.loader import load_registry
from app.demo import synthetic
from app.demo.reference import load_reference_data
from app.districts.service import load_area_index
from app.platform import migrate
from app.platform.config import PROJECT_ROOT, Settings
from app.platform.db import Database, utcnow
from app.platform.pdf.renderer import PdfRenderer
from app.submissions.models import Submission
from app.yards.models import Yard

RESULTS = PROJECT_ROOT / "bench" / "results"
FLOOR_HTML = "<!doctype html><html><body><p>SafeYard</p></body></html>"


def prepare(workdir: Path, *, yards: int, submissions: int) -> tuple[Settings, Database, Any]:
    settings = Settings(
        database_url=f"sqlite:///{workdir / 'bench.db'}", data_dir=workdir, report_cache_mb=0
    )
    migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    registry = load_registry(settings.checklist_dir)
    load_reference_data(db, registry=registry)
    with db.session() as session:
        areas = load_area_index(session)
    assert areas is not None
    synthetic.generate(
        db,
        registry=registry,
        areas=areas,
        settings=settings,
        yards=yards,
        submissions=submissions,
        seed=2026,
    )
    return settings, db, registry


def measure(runs: int, cases: dict[str, Callable[[], Any]]) -> dict[str, dict[str, float]]:
    """Each case once to warm up, then ``runs`` rounds, the cases alternating in each round
    so that they share the machine's moods alike."""
    for case in cases.values():
        case()
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, case in cases.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            case()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    return {
        name: {
            "wall_ms": round(statistics.median(wall[name]) * 1000, 1),
            "cpu_ms": round(statistics.median(cpu[name]) * 1000, 1),
            "min_wall_ms": round(min(wall[name]) * 1000, 1),
        }
        for name in cases
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--yards", type=int, default=200)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    with tempfile.TemporaryDirectory(prefix="safeyard-bench-reports-") as tmp:
        settings, db, registry = prepare(Path(tmp), yards=args.yards, submissions=args.submissions)
        reports = PdfRenderer(settings)
        from weasyprint import HTML

        with db.session() as session:
            shapes = load_area_shapes(session)
            yard_ids = session.execute(select(Yard.id).order_by(Yard.id)).scalars().all()  # type: ignore[arg-type]
            # The report's length follows its failing items: pick the median and the longest.
            sizes = []
            for yard_id in yard_ids:
                report = yard_report(
                    session,
                    yard=session.get(Yard, yard_id),
                    registry=registry,
                    settings=settings,
                    lang="ru",
                )
                if report.risk_index is not None:
                    sizes.append((len(report.failing), yard_id))
            sizes.sort()
            typical, largest = sizes[len(sizes) // 2][1], sizes[-1][1]
            busiest = session.execute(
                select(Submission.district_id, func.count())
                .group_by(Submission.district_id)
                .order_by(func.count().desc())
            ).first()
            assert busiest is not None
            district_id = busiest[0]

            def yard_case(yard_id: int) -> Callable[[], bytes]:
                def run() -> bytes:
                    report = yard_report(
                        session,
                        yard=session.get(Yard, yard_id),
                        registry=registry,
                        settings=settings,
                        lang="ru",
                    )
                    return report_pdf(reports, "yard", report, lambda: render.yard_html(report))

                return run

            def district_case() -> bytes:
                report = area_report(
                    session,
                    registry=registry,
                    settings=settings,
                    shapes=shapes,
                    lang="ru",
                    month=month_of(utcnow()),
                    district_id=district_id,
                )
                return report_pdf(reports, "area", report, lambda: render.area_html(report, shapes))

            pages = {}
            for name, case in (("yard", yard_case(typical)), ("largest", yard_case(largest))):
                import io

                from pypdf import PdfReader

                pages[name] = len(PdfReader(io.BytesIO(case())).pages)
            results = measure(
                args.runs,
                {
                    "floor": lambda: HTML(string=FLOOR_HTML).write_pdf(),
                    "yard": yard_case(typical),
                    "largest": yard_case(largest),
                    "district": district_case,
                },
            )
        failing = dict((y, n) for n, y in sizes)
        floor = results["floor"]["cpu_ms"]
        out = {
            "measured_at": utcnow().isoformat(timespec="seconds"),
            "yards": args.yards,
            "submissions": args.submissions,
            "runs": args.runs,
            "typical_yard": {
                "id": typical,
                "failing_items": failing[typical],
                "pages": pages["yard"],
            },
            "largest_yard": {
                "id": largest,
                "failing_items": failing[largest],
                "pages": pages["largest"],
            },
            "district": district_id,
            "results": results,
            "ratio_cpu": {
                name: round(r["cpu_ms"] / floor, 1)
                for name, r in results.items()
                if name != "floor"
            },
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reports.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"{'case':<10} {'wall ms':>9} {'cpu ms':>9} {'x floor (cpu)':>14}")
    for name, r in results.items():
        ratio = "1.0" if name == "floor" else f"{out['ratio_cpu'][name]}"
        print(f"{name:<10} {r['wall_ms']:>9} {r['cpu_ms']:>9} {ratio:>14}")
    print(
        f"typical yard {typical}: {failing[typical]} failing items, {pages['yard']} pages; "
        f"largest {largest}: {failing[largest]} items, {pages['largest']} pages; "
        f"district {district_id}"
    )


if __name__ == "__main__":
    main()
