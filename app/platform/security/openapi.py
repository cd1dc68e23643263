"""The OpenAPI schema says what every route may answer, including the refusals that come from
its dependencies and from middleware, so a client (and Schemathesis) is never surprised.

A route guarded by a role requirement (``RequireInspector``, ``RequireAdmin``...) answers 401
without a session and 403 with the wrong role; FastAPI cannot learn that from a dependency,
so ``declare_refusals`` adds them to every such route. A requirement is recognised by its
shape: a dependency that itself depends on ``current_user`` (the routes that only *read*
``CurrentUser`` serve everyone and refuse no one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

# Patterns that routes both declare and enforce (``Query(pattern=...)``), so the schema and
# the server agree on every string. Digits are spelled [0-9]: ``\d`` is any Unicode digit.
_FRACTION = r"(?:\.[0-9]+)?"
LAT = rf"-?(?:90(?:\.0+)?|[1-8]?[0-9]{_FRACTION})"
LON = rf"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[1-9]?[0-9]){_FRACTION})"
NEAR_PATTERN = rf"^{LAT},{LON}$"
# west,south,east,north; that west < east and south < north is checked in code (422).
BBOX_PATTERN = rf"^{LON},{LAT},{LON},{LAT}$"
# YYYY-MM, or empty for "this month"; a month that has not begun is refused in code (422).
MONTH_PATTERN = r"^(?:[1-9][0-9]{3}-(?:0[1-9]|1[0-2]))?$"
# Version 4 and the RFC 4122 variant (8, 9, a or b): Python's UUID has no version otherwise.
UUID4_PATTERN = (
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)

# Choices known only once the checklists are loaded (the checklist registry): a parameter
# or field names its list with ``json_schema_extra={CHOICES: "..."}``, the schema gets an enum.
CHOICES = "x-safeyard-choices"
SECTIONS = "checklist-sections"
VERSIONS = "checklist-versions"
ITEMS = "checklist-items"  # of every known version

AUTH_REFUSALS: dict[int, dict[str, Any]] = {
    401: {"description": "No session: log in first."},
    403: {"description": "The account's role or area has no access to this."},
}


def _requires_role(dependant: Dependant, guard: Callable[..., Any]) -> bool:
    for dependency in dependant.dependencies:
        if any(sub.call is guard for sub in dependency.dependencies):
            return True
        if _requires_role(dependency, guard):
            return True
    return False


def _guarded(app: FastAPI, guard: Callable[..., Any]) -> list[tuple[str, str]]:
    """(path, method) of every role-guarded route."""
    found = []
    # Included routers are resolved lazily (FastAPI >= 0.16x): walk them as the schema
    # generator does.
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if (
            isinstance(route, APIRoute)
            and route.include_in_schema
            and _requires_role(route.dependant, guard)
        ):
            found += [(route.path_format, method.lower()) for method in route.methods or ()]
    return found


def declare_refusals(app: FastAPI, *, guard: Callable[..., Any]) -> None:
    """Add 401 and 403 to the documented answers of every route that depends on ``guard``
    (the dependency that finds the signed-in user).

    Done on the generated schema (FastAPI copies each route when it resolves an included
    router, so changing the router's route would not reach the schema).
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for path, method in _guarded(app, guard):
            operation = schema.get("paths", {}).get(path, {}).get(method)
            if operation is not None:
                for status, answer in AUTH_REFUSALS.items():
                    operation["responses"].setdefault(str(status), answer)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _fill(node: Any, choices: dict[str, list[str]]) -> None:
    """Walk the schema: named choices become enums, a version-4 UUID gets its pattern."""
    if isinstance(node, dict):
        name = node.pop(CHOICES, None)
        if name is not None:
            node["enum"] = choices[name]
        if node.get("format") == "uuid4":
            # Pydantic's UUID4 says "uuid4", a format no client knows: say it as a pattern.
            node["format"] = "uuid"
            node["pattern"] = UUID4_PATTERN
        for value in node.values():
            _fill(value, choices)
    elif isinstance(node, list):
        for value in node:
            _fill(value, choices)


# Answers of the platform rather than of a route: the body parser (400), the body size limit
# (app/platform/limits.py, 413) and the database handler (app/platform/errors.py, 503 with
# Retry-After).
BODY_REFUSALS: dict[str, dict[str, Any]] = {
    "400": {"description": "The body cannot be parsed (malformed JSON or multipart)."},
    "413": {"description": "The body is over the size limit; nothing stored."},
}
UNAVAILABLE = {"description": "The database is unavailable or busy; retry after Retry-After."}


# A fixed version-4 UUID: the example is one submission, stored once and replayed after.
EXAMPLE_SUBMISSION_ID = "5b0c7a52-3f1e-4c9a-9d2e-8a6f4b1c2d3e"


def submission_example(registry: Any) -> dict[str, Any]:
    """A complete, valid submission of the current checklist, in central Almaty, as a
    resident would send it: the schema's example of ``SubmissionCreate``."""
    loaded = registry.current
    return {
        "id": EXAMPLE_SUBMISSION_ID,
        "checklist_version": loaded.version,
        "location": {"lat": 43.238, "lon": 76.945, "accuracy_m": 8.0},
        "answers": {
            item_id: loaded.allowed_values[item_id][0]
            for item_id, item in loaded.items_by_id.items()
            if "resident" in item.roles
        },
    }


def declare_constraints(app: FastAPI, *, registry: Any) -> None:
    """Put into the schema what is known only at start-up or enforced outside the routes:
    the checklist's sections and versions as enums, a valid submission as an example, the
    version-4 UUID pattern, and the platform's 400, 413 and 503."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        _fill(
            schema,
            {
                SECTIONS: list(registry.current.scoring.sections),
                VERSIONS: list(registry.versions),
                ITEMS: sorted(
                    {item for v in registry.versions for item in registry.get(v).items_by_id}
                ),
            },
        )
        submission = schema.get("components", {}).get("schemas", {}).get("SubmissionCreate")
        if submission is not None:
            submission["examples"] = [submission_example(registry)]
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict):
                    continue
                answers = operation.setdefault("responses", {})
                if "requestBody" in operation:
                    for status, answer in BODY_REFUSALS.items():
                        answers.setdefault(status, answer)
                answers.setdefault("503", UNAVAILABLE)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
