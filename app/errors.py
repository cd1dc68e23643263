"""One error hierarchy, rendered by one handler.

Domain code raises ``AppError`` subclasses with a message a person can act on; the API answers
``{"error": code, "message": ..., "details": [...]}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


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


async def app_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, Unavailable) else None
    return JSONResponse(
        _body(exc.code, exc.message, exc.details), status_code=exc.status_code, headers=headers
    )


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": _field(tuple(err["loc"])), "message": err["msg"], "type": err["type"]}
        for err in exc.errors()
    ]
    summary = "; ".join(f"{d['field'] or 'body'}: {d['message']}" for d in details[:5])
    return JSONResponse(
        jsonable_encoder(
            _body("validation_error", f"The request is not valid: {summary}", details)
        ),
        status_code=422,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
