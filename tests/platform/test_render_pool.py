"""PDFs rendered in a separate, lower-priority process (app.platform.pdf.pool)."""

from __future__ import annotations

import os
import signal
import time

from app.channels.reports.render import html_to_pdf
from app.platform.pdf.pool import RenderPool


def priority_and_pid(_html: str) -> bytes:
    """Run in the worker: its nice value and process id."""
    return f"{os.nice(0)} {os.getpid()}".encode()


class TestRenderPool:
    def test_renders_a_pdf_in_a_lower_priority_process(self) -> None:
        pool = RenderPool(processes=1, nice=7)
        try:
            pdf = pool.run(html_to_pdf, "<h1>Қауіпсіз аула</h1>")
            assert pdf.startswith(b"%PDF")
            nice, pid = (int(x) for x in pool.run(priority_and_pid, "").split())
            assert pid != os.getpid()
            assert nice == os.nice(0) + 7
        finally:
            pool.close()

    def test_a_killed_worker_is_replaced(self) -> None:
        pool = RenderPool(processes=1, nice=0)
        try:
            _, first = (int(x) for x in pool.run(priority_and_pid, "").split())
            os.kill(first, signal.SIGKILL)
            time.sleep(0.2)
            _, second = (int(x) for x in pool.run(priority_and_pid, "").split())
            assert second not in (first, os.getpid())
        finally:
            pool.close()

    def test_off_renders_here(self) -> None:
        pool = RenderPool(processes=0, nice=10)
        _, pid = (int(x) for x in pool.run(priority_and_pid, "").split())
        assert pid == os.getpid()
