"""The bare reference of the yard map, served in a process of its own: FastAPI and sqlite3,
no SafeYard code (this module imports nothing from ``app``), over the same database.

    BENCH_REFERENCE_DSN=sqlite:////path/large-run.db \
        uvicorn bench.reference_map:create_reference_map --factory

- ``GET /ref/map/yards?bbox=west,south,east,north``: the same SQL work as the service's
  ``/api/v1/map/yards`` for a city-wide user (one GROUP BY per area over ``yard`` joined to
  ``yard_risk`` in the box; then the yards themselves when at most 1,500, else a point per
  area), answered as JSON; no session, scope, audit row, middleware or representative points.
- ``GET /healthz``: for the benchmark's start-up wait.

What the service adds beyond this is what the ratio service / reference measures.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from typing import Any

from fastapi import FastAPI, Response

LIMIT = 1500
_COUNTS = (
    "SELECT r.micro_district_id, r.district_id, count(*), count(r.risk_index), sum(r.risk_index), "
    "avg(y.lat), avg(y.lon), min(y.lat), max(y.lat), min(y.lon), max(y.lon) "
    "FROM yard y JOIN yard_risk r ON r.yard_id = y.id "
    "WHERE y.lat BETWEEN ? AND ? AND y.lon BETWEEN ? AND ? "
    "GROUP BY r.micro_district_id, r.district_id ORDER BY r.district_id, r.micro_district_id"
)
_YARDS = (
    "SELECT y.id, y.lat, y.lon, r.micro_district_id, r.district_id, r.risk_index, r.band, "
    "r.basis FROM yard y JOIN yard_risk r ON r.yard_id = y.id "
    "WHERE y.lat BETWEEN ? AND ? AND y.lon BETWEEN ? AND ? ORDER BY y.id LIMIT ?"
)


def create_reference_map() -> FastAPI:
    path = os.environ["BENCH_REFERENCE_DSN"].removeprefix("sqlite:///")
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if getattr(local, "connection", None) is None:
            local.connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
        return local.connection

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/ref/map/yards")
    def yards(bbox: str) -> Response:
        west, south, east, north = (float(v) for v in bbox.split(","))
        box = (south, north, west, east)
        rows = connection().execute(_COUNTS, box).fetchall()
        features: list[dict[str, Any]]
        if sum(r[2] for r in rows) <= LIMIT:
            features = [
                {
                    "type": "Feature",
                    "id": r[0],
                    "geometry": {"type": "Point", "coordinates": [round(r[2], 5), round(r[1], 5)]},
                    "properties": {
                        "micro_district_id": r[3],
                        "district_id": r[4],
                        "risk_index": r[5],
                        "band": r[6],
                        "basis": r[7],
                    },
                }
                for r in connection().execute(_YARDS, (*box, LIMIT + 1))
            ]
        else:
            features = [
                {
                    "type": "Feature",
                    "id": r[0] or r[1],
                    "geometry": {"type": "Point", "coordinates": [round(r[6], 5), round(r[5], 5)]},
                    "properties": {
                        "yard_count": r[2],
                        "yards_audited": r[3],
                        "mean_risk": round(r[4] / r[3], 1) if r[3] else None,
                        "zoom_bbox": [r[9], r[7], r[10], r[8]],
                    },
                }
                for r in rows
            ]
        body = {"type": "FeatureCollection", "features": features}
        return Response(json.dumps(body), media_type="application/geo+json")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
