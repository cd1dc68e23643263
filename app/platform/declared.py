"""What a route declared about a parameter, for error messages a person can act on.

A ``Query(pattern=...)`` refusal from Pydantic names the regular expression; the route's own
description and example of the parameter say the same thing in words.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request

LOCATIONS = {"query": "query_params", "path": "path_params", "header": "header_params"}


def _fields(dependant: Dependant, attribute: str) -> Iterator[Any]:
    yield from getattr(dependant, attribute)
    for sub in dependant.dependencies:
        yield from _fields(sub, attribute)


def expected_form(request: Request, location: str, name: str) -> str | None:
    """ "<description> (e.g. <example>)" of a declared parameter; None if it has neither."""
    route = request.scope.get("route")
    attribute = LOCATIONS.get(location)
    if not isinstance(route, APIRoute) or attribute is None:
        return None
    for field in _fields(route.dependant, attribute):
        if field.alias == name:
            info = field.field_info
            text = (info.description or "").rstrip(".")
            if info.examples:
                text = f"{text} (e.g. {info.examples[0]})".strip()
            return text or None
    return None
