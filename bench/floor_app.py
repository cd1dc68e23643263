"""The application under benchmark, plus the floor: a bare endpoint that inserts the same
submission row with no validation, no placement and no scoring, through the same database
layer. The ratio real/floor is what SafeYard's own work costs."""

from __future__ import annotations

import json
import uuid

from fastapi import FastAPI, Request, Response
from sqlalchemy import insert

from app.main import create_app
from app.platform.db import utcnow
from app.submissions.models import Submission
from app.yards.models import Yard


def create_bench_app() -> FastAPI:
    app = create_app()
    add_read_floor(app)
    floor_yard: dict[str, int] = {}

    @app.post("/bench/floor", status_code=201, include_in_schema=False)
    def floor(request_body: dict, request: Request) -> Response:  # type: ignore[type-arg]
        db = request.app.state.context.db
        with db.write_session() as session:
            if "id" not in floor_yard:
                known = session.query(Yard).first()
                assert known is not None, "run the real endpoint first: it creates yards"
                # A yard of the floor's own, far from every location of the real bodies: the
                # floor's thousands of rows must not land in a yard the real endpoint then
                # reads (a yard's window is read whole: p99 grew with each round).
                yard = Yard(
                    lat=known.lat + 1.0,
                    lon=known.lon + 1.0,
                    district_id=known.district_id,
                    micro_district_id=known.micro_district_id,
                    synthetic=True,
                )
                session.add(yard)
                session.flush()
                floor_yard.update(id=yard.id, district=yard.district_id)
            session.execute(
                insert(Submission).values(
                    id=uuid.UUID(request_body["id"]),
                    checklist_version=request_body["checklist_version"],
                    scoring_version="1",
                    role="resident",
                    yard_id=floor_yard["id"],
                    micro_district_id=None,
                    district_id=floor_yard["district"],
                    answers=request_body["answers"],
                    lat=request_body["location"]["lat"],
                    lon=request_body["location"]["lon"],
                    accuracy_m=request_body["location"]["accuracy_m"],
                    risk_index=50.0,
                    band="high",
                    completeness=1.0,
                    section_scores={},
                    received_at=utcnow(),
                    body_sha256="0" * 64,
                    synthetic=True,
                )
            )
        return Response(
            json.dumps({"id": request_body["id"]}), status_code=201, media_type="application/json"
        )

    return app


def create_bench_app_without_findings() -> FastAPI:
    """The same service with the findings work of the intake switched off, in this bench
    process only (``make bench`` reports what that work costs): ``sync_yard`` is a no-op."""
    from app.findings import service as findings_service

    findings_service.sync_yard = lambda *args, **kwargs: 0  # type: ignore[assignment]
    return create_bench_app()


def add_read_floor(app: FastAPI) -> None:
    """GET /bench/floor-get: a bare small JSON answer through the same app and middleware,
    the floor a page's latency is compared with (``bench.queues``)."""

    @app.get("/bench/floor-get", include_in_schema=False)
    def floor_get() -> dict[str, str]:
        return {"status": "ok"}
