"""The bare reference of a cached report download, in a process of its own: FastAPI reading a
PDF file from disk and answering it with the same headers, no SafeYard code (this module
imports nothing from ``app``). ``BENCH_REFERENCE_PDF`` names the file.

    BENCH_REFERENCE_PDF=x.pdf \
        uvicorn bench.reports_reference_app:create_reference_app --factory
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response


def create_reference_app() -> FastAPI:
    path = Path(os.environ["BENCH_REFERENCE_PDF"])
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/ref/report.pdf")
    def report() -> Response:
        return Response(
            path.read_bytes(),
            media_type="application/pdf",
            headers={
                "Content-Disposition": 'attachment; filename="report.pdf"',
                "Cache-Control": "private, no-cache",
            },
        )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
