"""Prometheus metrics of the service, served at ``/metrics``.

The metric objects live here, module-level, so any domain can count what it does::

    from app.platform.observability import metrics
    metrics.SUBMISSIONS_ACCEPTED.labels(outcome="created").inc()

With several uvicorn workers every worker has its own registry; set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (the Docker image does) and ``/metrics`` sums
the workers' files (prometheus_client's multiprocess mode). Gauges then use ``livesum``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    multiprocess,
)
from prometheus_client.exposition import choose_encoder

# No "_created" series beside every counter: they double the scrape for no use here.
disable_created_metrics()

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # The metrics below open their files there as soon as they are defined.
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

# Latency buckets in seconds: submissions take ~5-20 ms, area maps ~50 ms, PDF reports seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "safeyard_http_requests_total",
    "HTTP requests answered, by method, route template (not the raw path) and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "safeyard_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
REQUESTS_IN_PROGRESS = Gauge(
    "safeyard_http_requests_in_progress",
    "HTTP requests being answered right now.",
    multiprocess_mode="livesum",
)
SUBMISSIONS_ACCEPTED = Counter(
    "safeyard_submissions_accepted_total",
    "Submissions answered 2xx: outcome 'created' (stored now) or 'replay' (the same client "
    "UUID was stored before; nothing new).",
    ["outcome"],
)
SUBMISSIONS_REJECTED = Counter(
    "safeyard_submissions_rejected_total",
    "Submissions refused, by HTTP status (422 invalid, 409 conflict, 503 database unavailable...).",
    ["status"],
)
PHOTOS_STORED = Counter("safeyard_photos_stored_total", "Photos stored.")
REPORTS_IN_PROGRESS = Gauge(
    "safeyard_reports_in_progress",
    "PDF reports being rendered right now (the report queue).",
    multiprocess_mode="livesum",
)
REPORTS_RENDERED = Counter(
    "safeyard_reports_rendered_total",
    "PDF reports rendered, by outcome ('ok' or 'error').",
    ["outcome"],
)
REPORT_SECONDS = Histogram(
    "safeyard_report_render_seconds",
    "Time to render one PDF report.",
    buckets=(0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0),
)


def multiprocess_dir() -> str | None:
    """The folder of prometheus_client's multiprocess mode, when it is on."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(accept: str = "") -> tuple[bytes, str]:
    """The metrics in the format the scraper asks for (Accept header: Prometheus text 0.0.4
    by default, OpenMetrics on request), and its content type.

    In multiprocess mode a fresh registry collects every worker's files, so whichever worker
    answers the scrape reports the whole server.
    """
    encoder, content_type = choose_encoder(accept)
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return encoder(registry), content_type
    return encoder(REGISTRY), content_type


def prepare_multiprocess_dir(workers: int) -> str | None:
    """Before uvicorn starts its workers: give them an empty folder for their metric files.

    ``PROMETHEUS_MULTIPROC_DIR`` when set (emptied: files of a previous run would be added to
    this one's counts); otherwise, with more than one worker, a new temporary folder. One
    worker without the variable keeps the ordinary in-memory registry.
    """
    folder = multiprocess_dir()
    if folder is None:
        if workers <= 1:
            return None
        folder = tempfile.mkdtemp(prefix="safeyard-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return folder


def worker_stopped() -> None:
    """A worker shuts down: its live gauges (requests, reports in progress) stop counting."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())
