"""One error hierarchy, rendered by one handler.

Domain code raises ``AppError`` subclasses with a message a person can act on; the API answers
``{"error": code, "message": ..., "details": [...]}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("safeyard")


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class NotPermitted(AppError):
    """The user is known but may not do this (a domain rule: another body's finding)."""

    status_code = 403
    code = "forbidden"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Invalid(AppError):
    status_code = 422
    code = "invalid"


class Unavailable(AppError):
    status_code = 503
    code = "unavailable"
    retry_after_s = 5


def _body(code: str, message: str, details: list[dict[str, Any]]) -> dict[str, Any]:
    return {"error": code, "message": message, "details": details}


def _field(loc: tuple[Any, ...]) -> str:
    # ("body", "location", "lat") -> "location.lat"
    return ".".join(str(p) for p in loc if p not in ("body", "query", "path"))


MACHINE_PATHS = frozenset({"/healthz", "/metrics", "/telegram/webhook"})


def wants_page(request: Request) -> bool:
    """Pages get an HTML error in the reader's language; the API, probes and Telegram's
    webhook (a machine, not a reader) get JSON."""
    # The scope's path, not request.url.path: the same for these tests, without building and
    # parsing the whole URL on every refusal.
    path: str = request.scope["path"]
    return not (path.startswith("/api/") or path in MACHINE_PATHS)


def error_page(
    request: Request, status_code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    from app.platform.templating import render  # pages only: keeps the API's import light

    return render(
        request,
        "errors/error.html",
        {"status_code": status_code, "message": message},
        status_code=status_code,
        headers=headers,
    )


async def app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Unavailable) else None
    if wants_page(request):
        return error_page(request, exc.status_code, exc.message, headers)
    return JSONResponse(
        _body(exc.code, exc.message, exc.details), status_code=exc.status_code, headers=headers
    )


def _message(request: Request, err: Any) -> str:
    if err["type"] == "string_pattern_mismatch" and len(err["loc"]) == 2:
        # Pydantic names the regular expression; the route's description says it in words.
        from app.platform.declared import expected_form

        form = expected_form(request, str(err["loc"][0]), str(err["loc"][1]))
        if form:
            return f"expected {form}"
    return str(err["msg"])


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": _field(tuple(err["loc"])), "message": _message(request, err), "type": err["type"]}
        if err["type"] != "json_invalid"
        # FastAPI reports a malformed body at ("body", <offset>): say what it is instead.
        else {
            "field": "body",
            "message": "not valid JSON ({}) {}".format(
                err.get("ctx", {}).get("error", "unreadable"),
                err.get("ctx", {}).get("where") or f"at character {err['loc'][-1]}",
            ),
            "type": "json_invalid",
        }
        for err in exc.errors()
    ]
    summary = "; ".join(f"{d['field'] or 'body'}: {d['message']}" for d in details[:5])
    return JSONResponse(
        jsonable_encoder(
            _body("validation_error", f"The request is not valid: {summary}", details)
        ),
        status_code=422,
    )


async def unstorable_value_handler(request: Request, exc: Exception) -> Response:
    """A value the database refuses as data (PostgreSQL: a NUL byte, a number out of range)
    that no check caught first: the client's input, so 422, never a 500 that queues retry."""
    log.warning("database refused a value: %s", type(getattr(exc, "orig", exc)).__name__)
    if wants_page(request):
        from app.platform.translations import gettext

        return error_page(
            request,
            422,
            gettext(
                "Something in the request cannot be stored or looked up (for example a "
                "control character). Check what you typed and try again."
            ),
        )
    return JSONResponse(
        _body(
            "invalid",
            "A value in the request cannot be stored or looked up (a NUL or other control "
            "character, or a number out of range); correct it and send again.",
            [],
        ),
        status_code=422,
    )


async def database_unavailable_handler(request: Request, exc: Exception) -> Response:
    # The database is down, restarting or locked past the busy timeout: nothing was
    # committed, so the client may safely retry the same request (submissions carry their id).
    log.warning("database unavailable: %s", type(exc).__name__)
    headers = {"Retry-After": str(Unavailable.retry_after_s)}
    if wants_page(request):
        from app.platform.translations import gettext

        return error_page(
            request,
            503,
            gettext("The service cannot reach its database right now. Try again in a minute."),
            headers,
        )
    return JSONResponse(
        _body("unavailable", "The database is unavailable; try again in a few seconds.", []),
        status_code=503,
        headers={"Retry-After": str(Unavailable.retry_after_s)},
    )


HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}
# Path prefixes whose framework errors (a 405) a channel renders in its own format: Open311
# answers in the GeoReport spec's error list (app/channels/api/open311.py registers it).
ErrorRenderer = Callable[[Request, int, str, "dict[str, str] | None"], Response]
ERROR_RENDERERS: dict[str, ErrorRenderer] = {}


def render_errors_under(prefix: str, renderer: ErrorRenderer) -> None:
    ERROR_RENDERERS[prefix] = renderer


def _undecodable_body(exc: StarletteHTTPException) -> RequestValidationError | None:
    """FastAPI answers a JSON body that is not text in its encoding (UTF-8, or UTF-16/32 by
    its first bytes) 400 "There was an error parsing the body": said here as the malformed
    JSON it is (422, as any other), with the byte to fix."""
    cause = exc.__cause__
    if exc.status_code != 400 or not isinstance(cause, UnicodeDecodeError):
        return None
    data = bytes(cause.object)
    byte = data[cause.start : cause.start + 1].hex() or "?"
    # Where, as the text before it (a byte offset would not count a byte order mark).
    before = data[max(0, cause.start - 80) : cause.start].decode(cause.encoding, "replace")
    where = f"after {before[-20:]!r}" if before else "at its start"
    return RequestValidationError(
        [
            {
                "type": "json_invalid",
                "loc": ("body", cause.start),
                "msg": "JSON decode error",
                "ctx": {
                    "error": f"not {cause.encoding.upper()} text: byte 0x{byte}",
                    "where": where,
                },
            }
        ]
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Framework errors (unknown route, wrong method...) in the same shape."""
    assert isinstance(exc, StarletteHTTPException)
    undecodable = _undecodable_body(exc)
    if undecodable is not None:
        return await validation_error_handler(request, undecodable)
    message = f"Nothing at {request.url.path}." if exc.status_code == 404 else str(exc.detail)
    for prefix, renderer in ERROR_RENDERERS.items():
        if request.url.path.startswith(prefix):
            return renderer(request, exc.status_code, message, getattr(exc, "headers", None))
    if wants_page(request):
        from app.platform.translations import gettext

        return error_page(
            request,
            exc.status_code,
            gettext("There is no such page. Check the address or start again.")
            if exc.status_code == 404
            else message,
            # A 405's Allow (RFC 9110) belongs on pages as on the API.
            getattr(exc, "headers", None),
        )
    return JSONResponse(
        _body(HTTP_CODES.get(exc.status_code, "http_error"), message, []),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(OperationalError, database_unavailable_handler)
    # No pooled connection came free in time (PostgreSQL): as busy as a held lock.
    app.add_exception_handler(PoolTimeout, database_unavailable_handler)
    # What the input checks did not catch (app.platform.limits' text types catch it first).
    app.add_exception_handler(DataError, unstorable_value_handler)
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
