"""PDF rendering in separate, lower-priority processes, so a report never takes the CPU that
answers checklists.

WeasyPrint is CPU-bound Python that holds the GIL for 0.2-1 s a page set: in the web process
it stalls every other request of that worker (measured: ingest fell to 0.43-0.49x while two
clients downloaded cold PDFs, ``/healthz`` p99 up to 311 ms). In a process of its own, niced
(``SAFEYARD_REPORT_NICE``), the kernel gives the web process the core first and the render
only what is left. The pool is made at start-up (``start``) or on the first render
(``spawn``: a fresh interpreter, never a fork of a process holding threads and database
connections) and kept for the process's life. Each worker runs the caller's warm-up first
(imports, fonts, the stylesheet: 2-10 s in a fresh interpreter), so a worker started with the
service has it done before the first report is asked for, and one that replaces a dead
worker before its next job. ``SAFEYARD_REPORT_PROCESSES=0`` renders in the web process's
threads as before.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

log = logging.getLogger(__name__)


def _start_worker(nice: int, warm_up: Callable[[], None] | None) -> None:
    """The worker's initializer: ask the kernel to serve the web process first, then load
    what renders need."""
    # Not permitted here: render at the same priority rather than fail.
    with contextlib.suppress(OSError):
        if nice > 0:
            os.nice(nice)
    if warm_up is not None:
        try:
            warm_up()
        except Exception:  # a render would meet the same fault and report it to its caller
            log.exception("the render worker's warm-up failed")


def _ready() -> None:
    """An empty job: submitting it makes the pool start its worker."""


class RenderPool:
    """A small process pool for ``render(html) -> bytes`` jobs (a module-level function, so
    it pickles by name)."""

    def __init__(self, *, processes: int, nice: int) -> None:
        self.processes = processes
        self.nice = nice
        self.warm_up: Callable[[], None] | None = None
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.processes > 0

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self.nice, self.warm_up),
                )
            return self._executor

    def start(self, warm_up: Callable[[], None]) -> None:
        """Start the worker now (the service's start-up) and let it run ``warm_up`` (a
        module-level function) while the service is idle; does not wait for it."""
        self.warm_up = warm_up
        if self.enabled:
            self._pool().submit(_ready)

    def run(self, render: Callable[[str], bytes], html: str) -> bytes:
        """``render(html)`` in a worker process (or here, when the pool is off). A worker that
        died (killed, out of memory) is replaced and the job tried once more."""
        if not self.enabled:
            return render(html)
        try:
            return self._pool().submit(render, html).result()
        except BrokenProcessPool:
            with self._lock:
                self._executor = None
            return self._pool().submit(render, html).result()

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)  # a render ends within seconds
