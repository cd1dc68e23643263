"""A PDF: from the disk cache, or rendered once (one render at a time per process).

Rendering is CPU-bound Python (~0.2-1 s) that holds the GIL; the routes are plain ``def``
so it runs in the thread pool, never on the event loop. The render gate (``gate.py``) lets
one render run at a time in a process by default: two renders at once would not finish sooner
under the GIL, would double the memory (~100 MB each), and a second request for the same
report waits and then finds it in the cache instead of rendering it again. Staff go first;
anonymous renders are rate-limited per client.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from app.platform.config import Settings
from app.platform.observability import metrics
from app.platform.pdf.cache import ReportCache
from app.platform.pdf.gate import STAFF, RenderGate, RenderLimit, Requester
from app.platform.pdf.pool import RenderPool
from app.platform.security.ratelimit import make_backend


class PdfRenderer:
    """The PDF cache and render gate of one process (built once, in the application context).

    It knows nothing of what a PDF shows: the caller names it by a key that changes whenever
    anything it shows changes, and hands over the function that renders it."""

    def __init__(self, settings: Settings) -> None:
        self.cache = ReportCache(
            settings.data_dir / "reports", max_bytes=settings.report_cache_mb * 1024 * 1024
        )
        self.gate = RenderGate(settings.report_renders, anonymous_wait_s=settings.report_wait_s)
        self.limit = RenderLimit(
            make_backend(settings.redis_url),
            count=settings.rate_limit_reports,
            window_s=settings.rate_limit_window_s,
        )
        self.pool = RenderPool(processes=settings.report_processes, nice=settings.report_nice)
        self.renders = 0  # PDFs rendered by this process (tests and the benchmark read it)

    def pdf(self, key: str, render: Callable[[], bytes], who: Requester = STAFF) -> bytes:
        """The PDF named ``key``: cached (free), or made by ``render()`` and cached when ``who``
        is within the render limit (TooManyReports) and gets a turn (RendersBusy)."""
        found = self.cache.get(key)
        if found is not None:
            return found
        self.limit.check(who)
        metrics.REPORTS_IN_PROGRESS.inc()
        try:
            with self.gate.turn(who):
                found = self.cache.get(key)  # rendered by the request we waited for
                if found is not None:
                    return found
                started = time.perf_counter()
                try:
                    pdf = render()
                except Exception:
                    metrics.REPORTS_RENDERED.labels(outcome="error").inc()
                    raise
                metrics.REPORT_SECONDS.observe(time.perf_counter() - started)
                metrics.REPORTS_RENDERED.labels(outcome="ok").inc()
                self.renders += 1
                self.cache.put(key, pdf)
                return pdf
        finally:
            metrics.REPORTS_IN_PROGRESS.dec()

    def start(self, warm_up: Callable[[], None]) -> None:
        """Start the render process with ``warm_up`` (the service's start-up; no wait)."""
        self.pool.start(warm_up)

    def close(self) -> None:
        """Stop the render processes (the application's shutdown)."""
        self.pool.close()
