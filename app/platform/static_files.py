"""Static files: the project's own and the packaged third-party ones (Leaflet)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.platform.templating import STATIC, VENDOR


class VersionedStaticFiles(StaticFiles):
    """A URL with ?v=<hash> never changes content, so browsers may keep it for a year. One
    without (a module a script imports by relative URL) is checked again on every use, so a
    deploy never leaves a stale module beside the new one that imports it."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304) and "cache-control" not in response.headers:
            versioned = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = (
                "public, max-age=31536000, immutable" if versioned else "no-cache"
            )
        return response


def mount_static(app: FastAPI) -> None:
    for name, folder in VENDOR.items():
        app.mount(f"/static/vendor/{name}", VersionedStaticFiles(directory=folder))
    app.mount("/static", VersionedStaticFiles(directory=STATIC), name="static")
