"""PDF rendering in separate, lower-priority processes, so a report never takes the CPU that
answers checklists.

WeasyPrint is CPU-bound Python that holds the GIL for 0.2-1 s a page set: in the web process
it stalls every other request of that worker (measured: ingest fell to 0.43-0.49x while two
clients downloaded cold PDFs, ``/healthz`` p99 up to 311 ms). In a process of its own, niced
(``SAFEYARD_REPORT_NICE``), the kernel gives the web process the core first and the render
only what is left. The pool is made on the first render (``spawn``: a fresh interpreter,
never a fork of a process holding threads and database connections) and kept for the
process's life; each worker imports WeasyPrint and the report code once, on its first job.
``SAFEYARD_REPORT_PROCESSES=0`` renders in the web process's threads as before.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def _lower_priority(nice: int) -> None:
    """The worker's initializer: ask the kernel to serve the web process first."""
    # Not permitted here: render at the same priority rather than fail.
    with contextlib.suppress(OSError):
        if nice > 0:
            os.nice(nice)


class RenderPool:
    """A small process pool for ``render(html) -> bytes`` jobs (a module-level function, so
    it pickles by name)."""

    def __init__(self, *, processes: int, nice: int) -> None:
        self.processes = processes
        self.nice = nice
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
                    initializer=_lower_priority,
                    initargs=(self.nice,),
                )
            return self._executor

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
