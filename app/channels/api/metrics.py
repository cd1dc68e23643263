"""GET /metrics: the Prometheus exposition, for the monitoring system only.

Who may read it: with ``SAFEYARD_METRICS_TOKEN`` set, whoever sends
``Authorization: Bearer <token>`` (and nobody else); without it, clients on the same machine
only (loopback: a Prometheus or an agent beside the service). A reverse proxy on the same machine
must not pass /metrics through (or must set X-Forwarded-For), or set the token.

Request counts by route are not secret, but they tell an outsider when and where residents are
active, so the endpoint is not public.
"""

from __future__ import annotations

import hmac
from ipaddress import ip_address

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from app.channels.web.context import context_of
from app.platform.config import Settings
from app.platform.observability import metrics

router = APIRouter(tags=["operations"])


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ip_address(host).is_loopback
    except ValueError:
        return False


def may_read_metrics(request: Request) -> bool:
    """With a token set: the right bearer token. Without: a loopback client."""
    settings: Settings = context_of(request.scope).settings
    token = settings.metrics_token
    if token:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        )
    return _loopback(request.client.host if request.client else None)


@router.get("/metrics", include_in_schema=False)
def read_metrics(request: Request) -> Response:
    """Request counts and latencies, submissions, photos and the report queue."""
    if not may_read_metrics(request):
        return PlainTextResponse(
            "metrics are for the monitoring system: scrape from localhost or send "
            "Authorization: Bearer <SAFEYARD_METRICS_TOKEN>\n",
            status_code=403,
        )
    body, content_type = metrics.exposition(request.headers.get("accept", ""))
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
