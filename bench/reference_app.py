"""The bare reference endpoints, served in a process of their own: FastAPI and the database
driver, no SafeYard code (this module imports nothing from ``app``).

    BENCH_REFERENCE_DSN=sqlite:////tmp/ref.db \
        uvicorn bench.reference_app:create_reference_app --factory
    (or BENCH_REFERENCE_DSN=postgresql://postgres@127.0.0.1:5432/NAME)

- ``POST /ref/submissions``: parse the JSON body, one ``INSERT ... ON CONFLICT DO NOTHING`` of
  the submission (its id, the body as JSON, the time), commit, answer 201 with the id; the
  same durability as the service (SQLite WAL with ``synchronous=NORMAL``; PostgreSQL's
  defaults). A connection per worker thread, opened once.
- ``GET /ref/get``: a small JSON answer (the read floor of the pages' benchmarks).
- ``GET /healthz``: for the benchmark's start-up wait.

What the service does beyond this (validation, placement, scoring, the yard's rows, the
findings, its middleware) is what the ratio service / reference measures (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Response

_SQLITE_DDL = (
    "CREATE TABLE IF NOT EXISTS ref_submission "
    "(id TEXT PRIMARY KEY, body TEXT NOT NULL, received_at TEXT NOT NULL)"
)
_PG_DDL = (
    "CREATE TABLE IF NOT EXISTS ref_submission "
    "(id UUID PRIMARY KEY, body JSONB NOT NULL, received_at TIMESTAMPTZ NOT NULL)"
)
_INSERT = (
    "INSERT INTO ref_submission (id, body, received_at) VALUES ({0}, {0}, {0}) "
    "ON CONFLICT (id) DO NOTHING"
)


class _Connections:
    """One connection per thread (FastAPI runs ``def`` endpoints in a thread pool)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.sqlite = dsn.startswith("sqlite:")
        self.local = threading.local()
        connection = self.get()
        connection.execute(_SQLITE_DDL if self.sqlite else _PG_DDL)
        connection.commit()

    def get(self) -> Any:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            if self.sqlite:
                path = self.dsn.removeprefix("sqlite:///")
                connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
            else:
                import psycopg

                connection = psycopg.connect(self.dsn)
            self.local.connection = connection
        return connection

    @property
    def insert(self) -> str:
        return _INSERT.format("?" if self.sqlite else "%s")


def create_reference_app() -> FastAPI:
    connections = _Connections(os.environ["BENCH_REFERENCE_DSN"])
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post("/ref/submissions", status_code=201)
    def submit(body: dict[str, Any]) -> Response:
        connection = connections.get()
        connection.execute(
            connections.insert,
            (str(body["id"]), json.dumps(body), datetime.now(UTC).isoformat()),
        )
        connection.commit()
        return Response(
            json.dumps({"id": body["id"]}), status_code=201, media_type="application/json"
        )

    @app.get("/ref/get")
    def get() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
