"""The OpenAPI schema says what every route may answer, including the refusals that come from
its dependencies and from middleware, so a client (and Schemathesis) is never surprised.

A route guarded by a role requirement (``RequireInspector``, ``RequireAdmin``...) answers 401
without a session and 403 with the wrong role; FastAPI cannot learn that from a dependency,
so ``declare_refusals`` adds them to every such route. A requirement is recognised by its
shape: a dependency that itself depends on ``current_user`` (the routes that only *read*
``CurrentUser`` serve everyone and refuse no one).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

AUTH_REFUSALS: dict[int, dict[str, Any]] = {
    401: {"description": "No session: log in first."},
    403: {"description": "The account's role or area has no access to this."},
}


def _requires_role(dependant: Dependant) -> bool:
    from app.accounts.deps import current_user

    for dependency in dependant.dependencies:
        if any(sub.call is current_user for sub in dependency.dependencies):
            return True
        if _requires_role(dependency):
            return True
    return False


def _guarded(app: FastAPI) -> list[tuple[str, str]]:
    """(path, method) of every role-guarded route."""
    found = []
    # Included routers are resolved lazily (FastAPI >= 0.16x): walk them as the schema
    # generator does.
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if (
            isinstance(route, APIRoute)
            and route.include_in_schema
            and _requires_role(route.dependant)
        ):
            found += [(route.path_format, method.lower()) for method in route.methods or ()]
    return found


def declare_refusals(app: FastAPI) -> None:
    """Add 401 and 403 to the documented answers of every role-guarded route.

    Done on the generated schema (FastAPI copies each route when it resolves an included
    router, so changing the router's route would not reach the schema).
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path, method in _guarded(app):
            operation = schema.get("paths", {}).get(path, {}).get(method)
            if operation is not None:
                for status, answer in AUTH_REFUSALS.items():
                    operation["responses"].setdefault(str(status), answer)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
