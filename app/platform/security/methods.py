"""Methods per path, answered once for the whole app: ``OPTIONS`` and ``405``.

Starlette decides a 405 from the *first* route whose path matches, so a path served by two
routes (``GET`` and ``POST /api/v1/submissions/{id}/photos``) advertised only one of them, and
``OPTIONS`` was a 405 too. Here the router is wrapped (inside the exception middleware, so a
405 is rendered by the app's own error handler: JSON under ``/api``, a page elsewhere): for a
path that some route serves, the methods of *every* route matching it make the ``Allow``
header of an ``OPTIONS`` answer (204) and of every 405.

``OPTIONS`` carries no CORS header: the site serves its own origin only, and a preflight from
another origin gets nothing that would let a browser send the request.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Receive, Scope, Send

from app.platform.route_index import IndexedRouter, RouteIndex


def allow_header(methods: frozenset[str]) -> str:
    """The ``Allow`` value: the methods and ``OPTIONS`` (answered here), in a stable order."""
    return ", ".join(sorted(methods | {"OPTIONS"}))


class AllowedMethods:
    """Wraps the router: ``OPTIONS`` and wrong methods are answered before any route runs."""

    def __init__(self, app: ASGIApp, index: RouteIndex) -> None:
        self.app = app
        self.index = index

    def methods_of(self, path: str) -> frozenset[str]:
        """Every method some route serves at ``path``; empty if no route matches it (404)."""
        return self.index.find(path).methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = self.methods_of(get_route_path(scope))
        method = scope["method"]
        if not methods or method in methods:
            await self.app(scope, receive, send)
            return
        headers = {"Allow": allow_header(methods)}
        if method == "OPTIONS":
            await Response(status_code=204, headers=headers)(scope, receive, send)
            return
        raise HTTPException(
            status_code=405,
            detail=f"{method} is not allowed at this address; it accepts {headers['Allow']}.",
            headers=headers,
        )


def install(app: FastAPI) -> None:
    """Wrap the app's router; call after every router and mount is added. The router then
    tries only the routes whose path matches (app.platform.route_index), unless it was given
    middleware of its own."""
    router = app.router
    index = RouteIndex(lambda: router.routes)
    inner: ASGIApp = router.middleware_stack
    if inner == router.app:
        inner = IndexedRouter(router, index)
    router.middleware_stack = AllowedMethods(inner, index)
