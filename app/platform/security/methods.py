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

from collections.abc import Callable, Sequence
from re import Pattern

from fastapi import FastAPI, routing
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, get_route_path
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

# A static-files mount serves these (StaticFiles refuses anything else with a bare 405).
STATIC_METHODS = frozenset({"GET", "HEAD"})


def method_table(routes: Sequence[BaseRoute]) -> list[tuple[Pattern[str], frozenset[str]]]:
    """(path regex, methods) of every route, included routers and static mounts too.

    A mount of any other application is left out: it decides its own methods.
    """
    table = []
    for context in routing.iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, Mount):
            if isinstance(route.app, StaticFiles):
                table.append((route.path_regex, STATIC_METHODS))
            continue
        regex = getattr(context, "path_regex", None)
        methods = getattr(context, "methods", None)
        if regex is not None and methods:
            table.append((regex, frozenset(methods)))
    return table


def allow_header(methods: frozenset[str]) -> str:
    """The ``Allow`` value: the methods and ``OPTIONS`` (answered here), in a stable order."""
    return ", ".join(sorted(methods | {"OPTIONS"}))


class AllowedMethods:
    """Wraps the router: ``OPTIONS`` and wrong methods are answered before any route runs."""

    def __init__(self, app: ASGIApp, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self.app = app
        self._routes = routes
        self._table: list[tuple[Pattern[str], frozenset[str]]] | None = None
        self._known: int = -1

    def table(self) -> list[tuple[Pattern[str], frozenset[str]]]:
        # Routes are all added in create_app(); rebuilt only if their number ever changes.
        routes = self._routes()
        if self._table is None or len(routes) != self._known:
            self._table = method_table(routes)
            self._known = len(routes)
        return self._table

    def methods_of(self, path: str) -> frozenset[str]:
        """Every method some route serves at ``path``; empty if no route matches it (404)."""
        found: frozenset[str] = frozenset()
        for regex, methods in self.table():
            if regex.match(path):
                found |= methods
        return found

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
    """Wrap the app's router; call after every router and mount is added."""
    router = app.router
    router.middleware_stack = AllowedMethods(router.middleware_stack, lambda: router.routes)
