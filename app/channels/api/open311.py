"""Open311 GeoReport v2 (read-only): discovery, services, requests and one request, in XML
or JSON; errors in the spec's format. See docs/OPEN311.md.

The routes read the raw query string themselves (no FastAPI validation): whatever a client
sends is answered in the spec's shape, a 400 naming the parameter at worst, never the app's
own error body or a 500. They are left out of /openapi.json: the GeoReport spec is their
contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import cast

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.channels.api.open311_format import FORMATS, answer, error
from app.channels.web.context import ContextDep
from app.findings import open311
from app.findings.open311_query import MAX_PAGE_SIZE, BadQuery, parse_request_query
from app.platform.db import MAX_ROW_ID, SessionDep, utcnow
from app.platform.errors import AppError, render_errors_under
from app.platform.languages import LANGS, Lang

router = APIRouter(prefix="/open311", tags=["open311"], include_in_schema=False)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint last changed in a way a client would notice (the spec's "changeset").
CHANGESET = "2026-12-06T00:00:00Z"
_ALIASES = {"kz": "kk"}  # the country code, often sent for Kazakh


def _params(request: Request) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        found.setdefault(name, []).append(value)
    return found


def _code(text: str) -> str:
    # "kk_KZ", "en-US", "RU" -> "kk", "en", "ru"
    return text.strip().replace("_", "-").split("-")[0].lower()


def request_lang(params: Mapping[str, Sequence[str]], accept_language: str | None) -> Lang:
    """``lang``, else ``locale`` (``kk_KZ``), else Accept-Language, else Russian."""
    for name in ("lang", "locale"):
        values = [v for v in params.get(name, ()) if v.strip()]
        if values:
            code = _ALIASES.get(_code(values[0]), _code(values[0]))
            if code not in LANGS:
                raise BadQuery(f"{name} must be ru, kk or en.")
            return cast(Lang, code)
    for part in (accept_language or "").split(","):
        code = _code(part.split(";")[0])
        code = _ALIASES.get(code, code)
        if code in LANGS:
            return cast(Lang, code)
    return "ru"


def _format(fmt: str) -> Response | None:
    if fmt in FORMATS:
        return None
    return error("xml", 404, "No such format: ask for .xml or .json.")


def _localised(response: Response, lang: Lang) -> Response:
    response.headers["Content-Language"] = lang
    return response


@router.get("/v2/discovery.{fmt}")
def discovery(fmt: str, context: ContextDep) -> Response:
    """Where the endpoint is, which formats it speaks and when it last changed."""
    wrong = _format(fmt)
    if wrong is not None:
        return wrong
    base = context.settings.public_base_url.rstrip("/")
    contact = context.settings.privacy_contact or base
    return answer(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": f"SafeYard, Almaty: {contact}",
            "key_service": "No key is needed: the endpoint is read-only open data.",
            "max_requests": MAX_PAGE_SIZE,
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": f"{base}/open311/v2",
                    "changeset": CHANGESET,
                    "type": "production" if context.settings.env == "production" else "test",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@router.get("/v2/services.{fmt}")
def services(fmt: str, request: Request, context: ContextDep) -> Response:
    """The current checklist's scored items, as the service types of requests."""
    wrong = _format(fmt)
    if wrong is not None:
        return wrong
    try:
        lang = request_lang(_params(request), request.headers.get("accept-language"))
    except AppError as exc:
        return error(fmt, exc.status_code, exc.message)
    found = open311.services(context.checklists, lang=lang)
    return _localised(answer(fmt, "services", [asdict(s) for s in found]), lang)


@router.get("/v2/requests.{fmt}")
def requests(fmt: str, request: Request, context: ContextDep, session: SessionDep) -> Response:
    """Confirmed findings, newest first, a page of at most 1,000; the spec's filters and
    lat/long/radius. A fuller page has a ``Link: <...>; rel="next"`` header."""
    wrong = _format(fmt)
    if wrong is not None:
        return wrong
    params = _params(request)
    registry = context.checklists
    try:
        lang = request_lang(params, request.headers.get("accept-language"))
        query = parse_request_query(
            params, service_codes=open311.service_codes(registry), now=utcnow()
        )
    except AppError as exc:
        return error(fmt, exc.status_code, exc.message)
    page = open311.service_requests(session, query=query, registry=registry, lang=lang)
    headers = {}
    if page.has_more:
        following = request.url.include_query_params(page=query.page + 1)
        headers["Link"] = f'<{following}>; rel="next"'
    rows = [asdict(r) for r in page.requests]
    return _localised(answer(fmt, "service_requests", rows, headers=headers), lang)


@router.get("/v2/requests/{request_id}.{fmt}")
def one_request(
    request_id: str, fmt: str, request: Request, context: ContextDep, session: SessionDep
) -> Response:
    """One confirmed finding, as a list of one (the spec); 404 for any other id."""
    wrong = _format(fmt)
    if wrong is not None:
        return wrong
    try:
        lang = request_lang(_params(request), request.headers.get("accept-language"))
    except AppError as exc:
        return error(fmt, exc.status_code, exc.message)
    text = request_id.strip()
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else 0
    found = None
    if 1 <= number <= MAX_ROW_ID:
        found = open311.service_request(
            session, request_id=number, registry=context.checklists, lang=lang
        )
    if found is None:
        return error(fmt, 404, f"No public service request {request_id[:20]!r}.")
    return _localised(answer(fmt, "service_requests", [asdict(found)]), lang)


def _framework_error(
    request: Request, status_code: int, message: str, headers: dict[str, str] | None
) -> Response:
    """The app's error handler hands us its errors under /open311: a write (405, with the
    Allow of the methods guard) in the spec's format, saying where a yard is reported."""
    fmt = "json" if request.url.path.endswith(".json") else "xml"
    if status_code == 405:
        base = request.app.state.context.settings.public_base_url.rstrip("/")
        message = (
            "SafeYard's Open311 endpoint is read-only: it takes no service requests. A yard "
            f"is reported by filling in its safety checklist at {base}/checklist."
        )
    response = error(fmt, status_code, message)
    response.headers.update(headers or {})
    return response


# POST Service Request is not offered: no route takes a write, so the methods guard
# (app.platform.security.methods) answers 405 with Allow, rendered above.
render_errors_under(router.prefix + "/", _framework_error)


@router.get("/{rest:path}")
def elsewhere(rest: str) -> Response:
    """Anything else under /open311: the spec's 404."""
    return error(
        "json" if rest.endswith(".json") else "xml",
        404,
        "Nothing here. The endpoints are /open311/v2/discovery, services, requests and "
        "requests/{id}, each ending in .xml or .json.",
    )
