"""Large-data benchmark: the map APIs and ingest at 1,000,000 submissions over 20,000 yards.

    python -m bench.large [--database sqlite|postgresql] [--submissions 1000000]
                          [--yards 20000] [--seed 11] [--rebuild] [--map-only]

1. Builds (or reuses, keyed by the parameters and the migration head) a database of seeded
   synthetic yards and submissions over the last 12 months in Almaty's H3 micro-districts:
   real answers from the demo generator, scored by the real scoring engine (a pool of a few
   thousand distinct answer sets, reused), inserted in bulk (executemany on SQLite, COPY on
   PostgreSQL), every row marked synthetic; then every yard's ``yard_risk`` row is built by
   the real ``refresh_all_yard_risks``. Kept under var/bench/ (SQLite) or as the PostgreSQL
   database ``safeyard_bench_large`` and copied for each run, so a run never changes it.
2. Serves the copy with uvicorn (one worker, like bench.ingest) and, logged in as an
   inspector, times GET /api/v1/micro-districts.geojson (plain, ?section=, ?district=) and
   GET /api/v1/districts over HTTP: p50/p95 of repeated reads (the cached body) and of reads
   right after a submission (the body rebuilt); then GET /api/v1/map/yards for boxes of
   several sizes (``MAP_BOXES``: the whole city, a district, the README's example, a few
   blocks), and the same boxes on a bare reference in its own process
   (``bench.reference_map``: FastAPI + sqlite3, the same SQL, no app code).
3. Measures the ingest rate with wrk as bench.ingest does (real and floor endpoints) on the
   large database and on an empty one served at the same time, alternating, and reports
   the ratio large/empty (goal >= 0.8).
Results go to bench/results/large-<database>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from alembic.script import ScriptDirectory
from sqlalchemy import Index, bindparam, create_engine, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex, DropIndex

from app.accounts import service as accounts_service
from app.accounts.models import UserRole
from app.checklists.loader import ChecklistRegistry, LoadedChecklist, load_registry
from app.checklists.schema import NOT_APPLICABLE
from app.demo.reference import load_reference_data
from app.demo.synthetic import DISTRICT_TILT, RESIDENTIAL_CENTRES, synthetic_answers
from app.districts.service import load_area_index
from app.geo.locator import OutsideCity
from app.platform import migrate
from app.platform.config import PROJECT_ROOT, Settings
from app.platform.db import Database, table_of
from app.scoring import SCORING_VERSION, score_answers
from app.submissions.models import Submission
from app.submissions.yard_risk import refresh_all_yard_risks
from app.yards.models import Yard
from bench import large_findings
from bench.ingest import (
    PG_BASE,
    RESULTS,
    cpu_seconds,
    measure,
    median_run,
    prepare_database,
    server_env,
    start_uvicorn,
    write_bodies,
)

# Bump when the generated data changes, so cached databases are rebuilt.
GENERATOR_VERSION = 3  # 2: bodies and findings (bench.large_findings); 3: yard_findings
CACHE_DIR = PROJECT_ROOT / "var" / "bench"
PG_DATABASE = "safeyard_bench_large"
PG_RUN_DATABASE = "safeyard_bench_large_run"
# Apart from the other benchmarks' ports (bench.ingest serves 8765-8767): they may run side
# by side on this shared machine.
LARGE_PORT, EMPTY_PORT, REFERENCE_MAP_PORT = 8781, 8782, 8783
# The yard map's boxes (west,south,east,north): the whole city, one district's outline
# (filled in from the database), the README's example and a few blocks.
MAP_BOXES = {
    "city": "76.60,43.05,77.20,43.45",
    "district": "bostandyk",
    "readme": "76.90,43.23,76.95,43.26",
    "blocks": "76.920,43.240,76.930,43.247",
}
INSPECTOR_EMAIL = "bench-inspector@example.kz"
INSPECTOR_PASSWORD = "bench inspector password"
AUDIT_SHARE = 0.03  # residents mostly; some inspector audits
CONDITION_BINS = 21  # answer pools per yard condition 0, 0.05, ..., 1
POOL_RESIDENT, POOL_INSPECTOR = 150, 30
BATCH = 50_000
SUBMISSION = table_of(Submission)
YARD = table_of(Yard)
SUBMISSION_COLUMNS = (
    "id",
    "checklist_version",
    "scoring_version",
    "role",
    "yard_id",
    "micro_district_id",
    "district_id",
    "answers",
    "comment",
    "item_comments",
    "lat",
    "lon",
    "accuracy_m",
    "risk_index",
    "band",
    "completeness",
    "section_scores",
    "client_created_at",
    "received_at",
    "body_sha256",
    "synthetic",
)


# ---------------------------------------------------------------- the synthetic data


@dataclass(frozen=True)
class Pooled:
    """One scored answer set, serialised once and reused by many submissions."""

    answers_json: str
    risk_index: float | None
    band: str | None
    completeness: float
    sections_json: str


@dataclass(frozen=True)
class PlannedYard:
    id: int
    lat: float
    lon: float
    micro_district_id: str
    district_id: str
    condition: float


@dataclass
class YardTally:
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None


@dataclass
class Generated:
    yards: list[PlannedYard]
    submissions: int
    seconds: dict[str, float] = field(default_factory=dict)


def has_scored_answer(loaded: LoadedChecklist, answers: dict[str, str]) -> bool:
    return any(loaded.items_by_id[k].scored and v != NOT_APPLICABLE for k, v in answers.items())


def answer_pool(
    rng: random.Random, loaded: LoadedChecklist, sizes: tuple[int, int]
) -> dict[tuple[str, int], list[Pooled]]:
    """Per (role, condition bin), answer sets made by the demo generator, really scored
    (``sizes``: how many per bin for residents and for inspectors)."""
    pool: dict[tuple[str, int], list[Pooled]] = {}
    for role, size in zip(("resident", "inspector"), sizes, strict=True):
        for b in range(CONDITION_BINS):
            entries = pool[(role, b)] = []
            while len(entries) < size:
                answers = synthetic_answers(
                    rng, loaded, condition=b / (CONDITION_BINS - 1), role=role
                )
                if not any(
                    loaded.items_by_id[k].scored and v != NOT_APPLICABLE for k, v in answers.items()
                ):
                    continue  # the service refuses a checklist with no scored answer
                score = score_answers(loaded.scoring, answers, role=role)
                entries.append(
                    Pooled(
                        answers_json=json.dumps(answers),
                        risk_index=score.risk_index,
                        band=score.band,
                        completeness=score.completeness,
                        sections_json=json.dumps({s.section: s.risk_index for s in score.sections}),
                    )
                )
    return pool


def plan_yards(rng: random.Random, db: Database, count: int) -> list[PlannedYard]:
    """``count`` yards near housing in the demo micro-districts, each with a condition."""
    with db.session() as session:
        areas = load_area_index(session, gap_snap_m=0.0)
    assert areas is not None, "load the reference data first"
    districts = list(RESIDENTIAL_CENTRES)
    yards: list[PlannedYard] = []
    while len(yards) < count:
        district = rng.choice(districts)
        lat0, lon0, spread = RESIDENTIAL_CENTRES[district]
        r = spread * math.sqrt(rng.random())
        theta = rng.random() * 2 * math.pi
        lat = lat0 + r * math.cos(theta) / 111.0
        lon = lon0 + r * math.sin(theta) / (111.0 * math.cos(math.radians(lat0)))
        try:
            placement = areas.locate(lat, lon)
        except OutsideCity:
            continue
        if placement.micro_district_id is None:
            continue
        condition = min(
            1.0, max(0.0, rng.betavariate(2.2, 3.0) + DISTRICT_TILT.get(placement.district_id, 0))
        )
        yards.append(
            PlannedYard(
                id=len(yards) + 1,
                lat=round(lat, 6),
                lon=round(lon, 6),
                micro_district_id=placement.micro_district_id,
                district_id=placement.district_id,
                condition=condition,
            )
        )
    return yards


def submission_rows(
    rng: random.Random,
    *,
    yards: list[PlannedYard],
    pool: dict[tuple[str, int], list[Pooled]],
    loaded: LoadedChecklist,
    count: int,
    now: datetime,
    tallies: dict[int, YardTally],
) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of submission rows (columns as SUBMISSION_COLUMNS, Python values), spread
    over the last 12 months; some yards far more popular than others."""
    weights = [rng.lognormvariate(0, 0.8) for _ in yards]
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    version = loaded.version
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        picks = rng.choices(yards, cum_weights=cumulative, k=size)
        batch = []
        for yard in picks:
            role = "inspector" if rng.random() < AUDIT_SHARE else "resident"
            condition = min(1.0, max(0.0, yard.condition + rng.gauss(0, 0.05)))
            entries = pool[(role, round(condition * (CONDITION_BINS - 1)))]
            entry = entries[rng.randrange(len(entries))]
            received = now - timedelta(seconds=rng.random() * 365 * 86400)
            submission_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            tally = tallies.setdefault(yard.id, YardTally())
            tally.count += 1
            if tally.last is None or received > tally.last:
                tally.last = received
            if tally.first is None or received < tally.first:
                tally.first = received
            batch.append(
                (
                    submission_id,
                    version,
                    SCORING_VERSION,
                    role,
                    yard.id,
                    yard.micro_district_id,
                    yard.district_id,
                    entry.answers_json,
                    None,
                    "{}",
                    round(yard.lat + rng.gauss(0, 0.00005), 6),
                    round(yard.lon + rng.gauss(0, 0.00007), 6),
                    rng.choice((5.0, 8.0, 12.0, 20.0, 35.0)),
                    entry.risk_index,
                    entry.band,
                    entry.completeness,
                    entry.sections_json,
                    received - timedelta(minutes=rng.random() * 90),
                    received,
                    hashlib.sha256(f"{submission_id}{entry.answers_json}".encode()).hexdigest(),
                    True,
                )
            )
        yield batch


def _secondary_indexes() -> list[Index]:
    return sorted(SUBMISSION.indexes, key=lambda i: str(i.name))


def _insert_sqlite(path: Path, batches: Iterator[list[tuple[Any, ...]]]) -> None:
    """executemany on one connection, journal off, the secondary indexes built afterwards
    (one sort each instead of 1M random B-tree inserts). Values are stored as SQLAlchemy
    stores them (its own bind processors), so the service reads them back as usual."""
    engine = create_engine(f"sqlite:///{path}")
    dialect = engine.dialect
    processors = {
        name: SUBMISSION.c[name].type.bind_processor(dialect)
        for name in ("id", "client_created_at", "received_at")
    }
    id_p, created_p, received_p = (
        processors["id"],
        processors["client_created_at"],
        processors["received_at"],
    )
    assert id_p and created_p and received_p
    i_id = SUBMISSION_COLUMNS.index("id")
    i_created = SUBMISSION_COLUMNS.index("client_created_at")
    i_received = SUBMISSION_COLUMNS.index("received_at")
    indexes = _secondary_indexes()
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-400000")
        for index in indexes:
            connection.execute(f'DROP INDEX IF EXISTS "{index.name}"')
        sql = (
            f"INSERT INTO submission ({', '.join(SUBMISSION_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(SUBMISSION_COLUMNS))})"
        )
        for batch in batches:
            rows = []
            for row in batch:
                out = list(row)
                out[i_id] = id_p(row[i_id])
                out[i_created] = created_p(row[i_created])
                out[i_received] = received_p(row[i_received])
                out[-1] = 1
                rows.append(out)
            connection.executemany(sql, rows)
            connection.commit()
        for index in indexes:
            connection.execute(str(CreateIndex(index).compile(dialect=dialect)))
        connection.commit()
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("ANALYZE")
    finally:
        connection.close()
        engine.dispose()


def _insert_postgresql(url: str, batches: Iterator[list[tuple[Any, ...]]]) -> None:
    """COPY, with the secondary indexes dropped during the load and built afterwards."""
    engine = create_engine(url)
    indexes = _secondary_indexes()
    try:
        with engine.begin() as connection:
            for index in indexes:
                connection.execute(DropIndex(index, if_exists=True))
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            columns = ", ".join(SUBMISSION_COLUMNS)
            with cursor.copy(f"COPY submission ({columns}) FROM STDIN") as copy:
                for batch in batches:
                    for row in batch:
                        copy.write_row(row)
            for index in indexes:
                connection.execute(CreateIndex(index))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def generate(
    url: str,
    *,
    registry: ChecklistRegistry,
    settings: Settings,
    yards: int,
    submissions: int,
    seed: int,
    now: datetime,
    pool_sizes: tuple[int, int] = (POOL_RESIDENT, POOL_INSPECTOR),
) -> Generated:
    """Fill a migrated database holding the reference data (and nothing else) with
    ``yards`` yards and ``submissions`` submissions, and build every yard's risk row."""
    rng = random.Random(seed)
    loaded = registry.current
    db = Database(url)
    seconds: dict[str, float] = {}
    try:
        started = time.perf_counter()
        pool = answer_pool(rng, loaded, pool_sizes)
        planned = plan_yards(rng, db, yards)
        seconds["pool_and_yards"] = time.perf_counter() - started

        started = time.perf_counter()
        tallies: dict[int, YardTally] = {}
        batches = submission_rows(
            rng,
            yards=planned,
            pool=pool,
            loaded=loaded,
            count=submissions,
            now=now,
            tallies=tallies,
        )
        # Yards first (the foreign key); their counters are set once the submissions are made
        # (executemany parameter names differ from the column names they update).
        with db.write_session() as session:
            session.execute(
                insert(YARD),
                [
                    {
                        "id": y.id,
                        "lat": y.lat,
                        "lon": y.lon,
                        "address": None,
                        "micro_district_id": y.micro_district_id,
                        "district_id": y.district_id,
                        "created_at": now - timedelta(days=366),
                        "submission_count": 0,
                        "last_submission_at": None,
                        "synthetic": True,
                    }
                    for y in planned
                ],
            )
        if db.is_sqlite:
            db.dispose()
            _insert_sqlite(Path(make_url(url).database or ""), batches)
        else:
            _insert_postgresql(url, batches)
        with db.write_session() as session:
            session.execute(
                YARD.update()
                .where(YARD.c.id == bindparam("yard_id"))
                .values(
                    submission_count=bindparam("count"),
                    last_submission_at=bindparam("last"),
                    created_at=bindparam("first"),
                ),
                [
                    {"yard_id": i, "count": t.count, "last": t.last, "first": t.first}
                    for i, t in tallies.items()
                ],
            )
            if not db.is_sqlite:
                # Yard ids were given explicitly: move the sequence past them.
                session.execute(
                    text("SELECT setval(pg_get_serial_sequence('yard', 'id'), max(id)) FROM yard")
                )
        seconds["submissions"] = time.perf_counter() - started

        started = time.perf_counter()
        with db.write_session() as session:
            # The demo's bodies first, so each yard's findings are routed as they are synced.
            large_findings.load_bodies(session, registry=registry)
            refresh_all_yard_risks(
                session,
                registry=registry,
                window_days=settings.current_risk_window_days,
                disagreement_points=settings.disagreement_points,
                now=now,
                each=large_findings.syncer(session, settings=settings, now=now),
            )
        seconds["yard_risk_and_findings"] = time.perf_counter() - started
        started = time.perf_counter()
        with db.write_session() as session:
            findings = large_findings.link_and_progress(
                session, registry=registry, settings=settings, seed=seed, now=now
            )
        seconds["findings_progress"] = time.perf_counter() - started
        print(f"findings by state: {findings}", flush=True)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))  # the planner's statistics of the full tables
    finally:
        db.dispose()
    return Generated(planned, submissions, seconds)


# ---------------------------------------------------------------- the cached database


def migration_head() -> str:
    config = migrate.alembic_config("sqlite://")
    head = ScriptDirectory.from_config(config).get_current_head()
    return str(head)


def cache_key(args: argparse.Namespace, registry: ChecklistRegistry) -> str:
    parts = {
        "generator": GENERATOR_VERSION,
        "yards": args.yards,
        "submissions": args.submissions,
        "seed": args.seed,
        "head": migration_head(),
        "checklist": registry.current.sha256,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:12]


def _pg_url(name: str) -> str:
    return make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)


def _pg_admin(statement: str) -> None:
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(statement))
    finally:
        admin.dispose()


def built_database(
    args: argparse.Namespace, registry: ChecklistRegistry, settings: Settings
) -> tuple[str, dict[str, Any]]:
    """The cached large database's URL and what is known of its build (built if needed)."""
    key = cache_key(args, registry)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    meta_path = CACHE_DIR / f"large-{args.database}.json"
    if args.database == "sqlite":
        path = CACHE_DIR / f"large-{key}.db"
        url = f"sqlite:///{path}"
    else:
        path = None
        url = _pg_url(PG_DATABASE)
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta.get("key") == key and not args.rebuild and (path is None or path.exists()):
        # A database built before a later migration gets it (new indexes, new tables).
        migrate.upgrade(url)
        return url, meta
    print(
        f"building the {args.database} database ({args.submissions:,} submissions, "
        f"{args.yards:,} yards); this takes minutes",
        flush=True,
    )
    if path is not None:
        for old in CACHE_DIR.glob("large-*.db*"):
            old.unlink()
    else:
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{PG_DATABASE}"')
    started = time.perf_counter()
    migrate.upgrade(url)
    db = Database(url)
    load_reference_data(db, registry=registry)
    db.dispose()
    now = datetime.now(UTC)
    made = generate(
        url,
        registry=registry,
        settings=settings,
        yards=args.yards,
        submissions=args.submissions,
        seed=args.seed,
        now=now,
    )
    meta = {
        "key": key,
        "yards": args.yards,
        "submissions": args.submissions,
        "seed": args.seed,
        "built_at": now.isoformat(),
        "build_seconds": {**made.seconds, "total": time.perf_counter() - started},
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    return url, meta


def run_copy(kind: str, url: str, workdir: Path) -> tuple[str, Any]:
    """A copy of the built database for one run (the run adds submissions to it)."""
    if kind == "sqlite":
        source = Path(make_url(url).database or "")
        target = workdir / "large-run.db"
        with sqlite3.connect(source) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(source, target)
        return f"sqlite:///{target}", lambda: None
    _pg_admin(f'DROP DATABASE IF EXISTS "{PG_RUN_DATABASE}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{PG_RUN_DATABASE}" TEMPLATE "{PG_DATABASE}"')
    return _pg_url(PG_RUN_DATABASE), lambda: _pg_admin(
        f'DROP DATABASE IF EXISTS "{PG_RUN_DATABASE}" WITH (FORCE)'
    )


# ---------------------------------------------------------------- measuring


def wait_up(base: str, process: subprocess.Popen[bytes], seconds: float = 240.0) -> None:
    """``bench.ingest.wait_until_up`` with a longer wait: on a loaded 2-core machine the
    application's imports alone took 45 s."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server did not start")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server did not answer /healthz in {seconds:.0f} s")


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    # The benchmark's inspector logs in with a password only (no authenticator app to ask).
    env = {**server_env(url), "SAFEYARD_REQUIRE_TOTP": "false"}
    return start_uvicorn("bench.floor_app:create_bench_app", port, env)


def add_inspector(url: str) -> None:
    db = Database(url)
    try:
        with db.write_session() as session:
            if accounts_service.find_user(session, INSPECTOR_EMAIL) is None:
                accounts_service.create_user(
                    session,
                    email=INSPECTOR_EMAIL,
                    name="Benchmark inspector",
                    role=UserRole.inspector,
                    password=INSPECTOR_PASSWORD,
                    # City-wide: the yard map shows it every yard (area figures are the
                    # same for every inspector).
                    links=accounts_service.Links([], [], [], city_wide=True),
                )
    finally:
        db.dispose()


def inspector_client(base: str) -> httpx.Client:
    """A client with an inspector's session (the map APIs are for inspectors and admins)."""
    client = httpx.Client(base_url=base, timeout=60, headers={"Origin": base})
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if token is not None:
        response = client.post(
            "/login",
            data={
                "csrf_token": token.group(1),
                "email": INSPECTOR_EMAIL,
                "password": INSPECTOR_PASSWORD,
                "next": "/",
            },
        )
        if response.status_code >= 400:
            raise SystemExit(f"could not log in: {response.status_code} {response.text[:200]}")
    return client


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


# Write-then-read cycles before the timed ones (``time_reads``).
WARM_WRITES = 5


def time_reads(
    client: httpx.Client,
    writer: httpx.Client,
    path: str,
    write_bodies: list[dict[str, Any]],
    *,
    server_pid: int,
    reads: int,
    after_writes: int,
) -> dict[str, Any]:
    """p50/p95 of GET ``path``: repeated (cached) and each right after one submission."""
    for _ in range(3):
        response = client.get(path)
        response.raise_for_status()
    size, encoding = len(response.content), response.headers.get("content-encoding")
    wire = int(response.headers.get("content-length", 0))
    # Wall-clock time at the client, and the server's CPU time over the same reads: on a
    # shared machine the wall clock also counts waiting for a core, the CPU time does not.
    cached, cached_cpu = [], 0.0
    for _ in range(reads):
        cpu, started = cpu_seconds(server_pid), time.perf_counter()
        client.get(path).raise_for_status()
        cached.append(time.perf_counter() - started)
        cached_cpu += cpu_seconds(server_pid) - cpu
    # As the cached reads, warmed first: the first reads after a process's first writes pay
    # its cold caches (SQLite's pages of the changed areas, the placement grid's blocks):
    # 0.45-0.6 s, then 50-100 ms, for the first few. Reported apart (``first_after_writes_ms``).
    first = []
    for n in range(WARM_WRITES):
        body = {**write_bodies[-1 - n], "id": str(uuid.uuid4())}
        writer.post("/api/v1/submissions", json=body).raise_for_status()
        started = time.perf_counter()
        client.get(path).raise_for_status()
        first.append(round((time.perf_counter() - started) * 1000, 1))
    rebuilt, rebuilt_cpu = [], 0.0
    for n in range(after_writes):
        body = {**write_bodies[n % len(write_bodies)], "id": str(uuid.uuid4())}
        writer.post("/api/v1/submissions", json=body).raise_for_status()
        cpu, started = cpu_seconds(server_pid), time.perf_counter()
        client.get(path).raise_for_status()
        rebuilt.append(time.perf_counter() - started)
        rebuilt_cpu += cpu_seconds(server_pid) - cpu
    return {
        "first_after_writes_ms": first,
        "path": path,
        "body_bytes": size,
        "wire_bytes": wire,
        "content_encoding": encoding,
        "cached": {**_percentiles(cached), "server_cpu_ms_mean": cached_cpu / reads * 1000},
        "after_write": {
            **_percentiles(rebuilt),
            "server_cpu_ms_mean": rebuilt_cpu / max(1, after_writes) * 1000,
        },
    }


def yard_bodies(
    url: str, count: int, seed: int, registry: ChecklistRegistry
) -> list[dict[str, Any]]:
    """Submission bodies at existing yards (at the large size, each has a full window)."""
    rng = random.Random(seed)
    loaded = registry.current
    db = Database(url)
    try:
        with db.session() as session:
            yards = session.execute(select(YARD.c.lat, YARD.c.lon).order_by(YARD.c.id)).all()
    finally:
        db.dispose()
    out = []
    for _ in range(count):
        lat, lon = rng.choice(yards)
        condition = rng.betavariate(2.2, 3.0)
        answers = synthetic_answers(rng, loaded, condition=condition, role="resident")
        if not any(
            loaded.items_by_id[k].scored and v != NOT_APPLICABLE for k, v in answers.items()
        ):
            continue
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "checklist_version": loaded.version,
                "location": {"lat": lat, "lon": lon, "accuracy_m": 10.0},
                "answers": answers,
            }
        )
    return out


def map_boxes(url: str) -> dict[str, str]:
    """``MAP_BOXES`` with the district's name replaced by its outline's bounds."""
    from shapely.geometry import shape

    db = Database(url)
    try:
        with db.session() as session:
            geometry = session.execute(
                text("SELECT geometry FROM district WHERE id = :id"), {"id": MAP_BOXES["district"]}
            ).scalar_one()
    finally:
        db.dispose()
    west, south, east, north = shape(json.loads(geometry)).bounds
    return {**MAP_BOXES, "district": f"{west:.5f},{south:.5f},{east:.5f},{north:.5f}"}


def time_reference(base: str, path: str, *, server_pid: int, reads: int) -> dict[str, Any]:
    """p50/p95 of GET ``path`` on the bare reference (nothing there is cached)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(3):
            client.get(path).raise_for_status()
        samples, cpu_total = [], 0.0
        for _ in range(reads):
            cpu, started = cpu_seconds(server_pid), time.perf_counter()
            response = client.get(path)
            response.raise_for_status()
            samples.append(time.perf_counter() - started)
            cpu_total += cpu_seconds(server_pid) - cpu
    return {
        "path": path,
        "body_bytes": len(response.content),
        **_percentiles(samples),
        "server_cpu_ms_mean": cpu_total / reads * 1000,
    }


def measure_map(
    client: httpx.Client,
    writer: httpx.Client,
    *,
    large_url: str,
    large_pid: int,
    bodies: list[dict[str, Any]],
    args: argparse.Namespace,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The yard map's boxes on the service (repeated, and each right after a write) and on
    the bare reference over the same database (started here, in its own process)."""
    reads, floor = [], []
    # The bare reference speaks sqlite3 only.
    reference = (
        start_uvicorn(
            "bench.reference_map:create_reference_map",
            REFERENCE_MAP_PORT,
            {"BENCH_REFERENCE_DSN": large_url},
        )
        if large_url.startswith("sqlite")
        else None
    )
    reference_base = f"http://127.0.0.1:{REFERENCE_MAP_PORT}"
    try:
        if reference is not None:
            wait_up(reference_base, reference)
        for name, box in map_boxes(large_url).items():
            read = time_reads(
                client,
                writer,
                f"/api/v1/map/yards?bbox={box}",
                bodies,
                server_pid=large_pid,
                reads=args.reads,
                after_writes=args.after_writes,
            )
            answer = client.get(f"/api/v1/map/yards?bbox={box}").json()
            # An answer from before clusters has no mode: "truncated" or the yards.
            mode = answer.get("mode") or ("truncated" if answer.get("truncated") else "yards")
            read.update(box=name, mode=mode, features=len(answer["features"]))
            read["yards_in_box"] = answer.get("yards_in_box", len(answer["features"]))
            reads.append(read)
            print(json.dumps(read), flush=True)
            if reference is None:
                continue
            bare = time_reference(
                reference_base,
                f"/ref/map/yards?bbox={box}",
                server_pid=reference.pid,
                reads=args.reads,
            )
            floor.append({**bare, "box": name})
            print(json.dumps(floor[-1]), flush=True)
    finally:
        if reference is not None:
            reference.terminate()
            reference.wait(timeout=30)
    return reads, floor


def counts(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        with db.session() as session:
            return {
                table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in ("submission", "yard", "yard_risk")
            }
    finally:
        db.dispose()


def measure_ingest(
    servers: dict[str, tuple[str, int]],
    tmp: Path,
    bodies: list[dict[str, Any]],
    floor: list[dict[str, Any]],
    args: argparse.Namespace,
) -> dict[str, list[dict[str, float]]]:
    """Ingest on both databases, alternating, as bench.ingest measures it."""
    real_file = write_bodies(tmp / "real.jsonl", bodies)
    floor_file = write_bodies(tmp / "floor.jsonl", floor)
    for base, pid in servers.values():
        measure(base + "/api/v1/submissions", real_file, args.warmup, args.concurrency, pid, 1)
        measure(base + "/bench/floor", floor_file, args.warmup, args.concurrency, pid, 2)
    runs: dict[str, list[dict[str, float]]] = {
        f"{db}-{endpoint}": [] for db in servers for endpoint in ("real", "floor")
    }
    nonce = 100  # a new one per wrk run: every request is a new submission id
    for _ in range(args.rounds):
        for endpoint, path, file in (
            ("real", "/api/v1/submissions", real_file),
            ("floor", "/bench/floor", floor_file),
        ):
            for name, (base, pid) in servers.items():
                nonce += 1
                runs[f"{name}-{endpoint}"].append(
                    measure(base + path, file, args.seconds, args.concurrency, pid, nonce)
                )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--submissions", type=int, default=1_000_000)
    parser.add_argument("--yards", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the cached database.")
    parser.add_argument("--build-only", action="store_true", help="Build it, measure nothing.")
    parser.add_argument(
        "--map-only", action="store_true", help="Measure the map APIs only (no ingest)."
    )
    parser.add_argument("--reads", type=int, default=60, help="Timed cached reads per URL.")
    parser.add_argument("--after-writes", type=int, default=20, help="Reads after a write.")
    parser.add_argument("--seconds", type=float, default=8.0, help="Each wrk run.")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    registry = load_registry(PROJECT_ROOT / "app" / "checklists" / "data")
    settings = Settings()
    url, meta = built_database(args, registry, settings)
    print(f"database: {json.dumps(meta)}", flush=True)
    if args.build_only:
        return

    with tempfile.TemporaryDirectory() as tmp:
        large_url, drop_large = run_copy(args.database, url, Path(tmp))
        empty_url, drop_empty = prepare_database(args.database, Path(tmp))
        add_inspector(large_url)
        sizes = counts(large_url)
        bodies = yard_bodies(large_url, 4000, seed=args.seed + 1, registry=registry)
        floor = yard_bodies(large_url, 4000, seed=args.seed + 2, registry=registry)
        large = start_server(large_url, LARGE_PORT)
        empty = start_server(empty_url, EMPTY_PORT)
        large_base = f"http://127.0.0.1:{LARGE_PORT}"
        empty_base = f"http://127.0.0.1:{EMPTY_PORT}"
        try:
            wait_up(large_base, large)
            wait_up(empty_base, empty)
            # The map APIs, logged in as an inspector; writes as an anonymous resident.
            reads = []
            client = inspector_client(large_base)
            writer = httpx.Client(base_url=large_base, timeout=60)
            try:
                for path in (
                    "/api/v1/micro-districts.geojson",
                    "/api/v1/micro-districts.geojson?section=lighting",
                    "/api/v1/micro-districts.geojson?district=almaly",
                    "/api/v1/districts",
                ):
                    reads.append(
                        time_reads(
                            client,
                            writer,
                            path,
                            bodies,
                            server_pid=large.pid,
                            reads=args.reads,
                            after_writes=args.after_writes,
                        )
                    )
                    print(json.dumps(reads[-1]), flush=True)
                map_reads, map_floor = measure_map(
                    client,
                    writer,
                    large_url=large_url,
                    large_pid=large.pid,
                    bodies=bodies,
                    args=args,
                )
            finally:
                client.close()
                writer.close()
            servers = {"large": (large_base, large.pid), "empty": (empty_base, empty.pid)}
            runs = {} if args.map_only else measure_ingest(servers, Path(tmp), bodies, floor, args)
        finally:
            for server in (large, empty):
                server.terminate()
                server.wait(timeout=30)
            drop_large()
            drop_empty()

    ingest = {key: median_run(rows) for key, rows in runs.items()}
    report: dict[str, Any] = {
        "database": args.database,
        "build": meta,
        "rows": sizes,
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "reads": reads,
        "map_yards": map_reads,
        "map_yards_reference": map_floor,
        "ingest_runs": runs,
        "ingest": ingest,
        "at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if ingest:
        report.update(
            ratio_real_large_to_empty=ingest["large-real"]["rps"] / ingest["empty-real"]["rps"],
            ratio_floor_large_to_empty=ingest["large-floor"]["rps"] / ingest["empty-floor"]["rps"],
            ratio_real_to_floor_large=ingest["large-real"]["rps"] / ingest["large-floor"]["rps"],
            ratio_real_to_floor_empty=ingest["empty-real"]["rps"] / ingest["empty-floor"]["rps"],
        )
    RESULTS.mkdir(exist_ok=True)
    suffix = "-map" if args.map_only else ""
    (RESULTS / f"large-{args.database}{suffix}.json").write_text(json.dumps(report, indent=2))
    print_report(report)


def print_report(report: dict[str, Any]) -> None:
    rows = report["rows"]
    print(
        f"\n{report['database']}: {rows['submission']:,} submissions, {rows['yard']:,} yards, "
        f"{rows['yard_risk']:,} yard_risk rows"
    )
    print(
        f"{'GET':<50} {'cached p50/p95 ms':>18} {'CPU':>5} {'after write p50/p95':>20} "
        f"{'CPU':>5} {'wire KB':>8}"
    )
    for r in report["reads"]:
        c, w = r["cached"], r["after_write"]
        print(
            f"{r['path']:<50} {c['p50_ms']:>8.1f} /{c['p95_ms']:>7.1f} "
            f"{c.get('server_cpu_ms_mean', 0):>5.1f} "
            f"{w['p50_ms']:>10.1f} /{w['p95_ms']:>7.1f} {w.get('server_cpu_ms_mean', 0):>5.1f} "
            f"{r['wire_bytes'] / 1024:>8.0f}"
        )
    print_map(report)
    if not report["ingest"]:
        return
    print(f"\n{'ingest':<12} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11}")
    for key, row in report["ingest"].items():
        print(
            f"{key:<12} {row['rps']:>8.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
            f"{row['server_cpu_us_per_req']:>11.0f}"
        )
    print(
        f"real at size / real empty: {report['ratio_real_large_to_empty']:.2f} (goal >= 0.80); "
        f"floor at size / floor empty: {report['ratio_floor_large_to_empty']:.2f}; "
        f"real/floor at size {report['ratio_real_to_floor_large']:.2f}, "
        f"empty {report['ratio_real_to_floor_empty']:.2f}"
    )


def print_map(report: dict[str, Any]) -> None:
    floor = {r["box"]: r for r in report.get("map_yards_reference", [])}
    print(
        f"\n{'map/yards box':<10} {'mode':<9} {'yards':>6} {'feat':>5} {'p50/p95 ms':>14} "
        f"{'CPU':>5} {'after write p50/p95':>20} {'bare p50/p95':>14} {'CPU':>5}"
    )
    for r in report.get("map_yards", []):
        c, w, b = r["cached"], r["after_write"], floor.get(r["box"], {})
        bare = (
            f"{b['p50_ms']:>6.1f} /{b['p95_ms']:>6.1f} {b['server_cpu_ms_mean']:>5.1f}" if b else ""
        )
        print(
            f"{r['box']:<10} {r['mode']:<9} {r['yards_in_box']:>6} {r['features']:>5} "
            f"{c['p50_ms']:>6.1f} /{c['p95_ms']:>6.1f} {c['server_cpu_ms_mean']:>5.1f} "
            f"{w['p50_ms']:>10.1f} /{w['p95_ms']:>7.1f}  {bare}"
        )


if __name__ == "__main__":
    main()
