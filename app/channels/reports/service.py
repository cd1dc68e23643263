"""A report's PDF through the process's renderer: named by everything it shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.channels.reports.district import AreaReport
from app.channels.reports.render import data_of, html_to_pdf, template_version
from app.channels.reports.yard import YardReport
from app.platform.pdf.cache import cache_key
from app.platform.pdf.gate import STAFF, Requester
from app.platform.pdf.renderer import PdfRenderer


def report_key(kind: str, report: YardReport | AreaReport) -> str:
    """The cache key of a built report: its data, and the templates and translations."""
    return cache_key(kind, data_of(report), template_version=template_version())


def stamp_key(kind: str, stamp: dict[str, Any]) -> str:
    """The cache key of a report not built yet: its data stamp (``stamps.py``), and the
    templates and translations. A different name space from ``report_key``'s."""
    return cache_key(f"{kind}:stamp", stamp, template_version=template_version())


def report_pdf(
    renderer: PdfRenderer,
    kind: str,
    report: YardReport | AreaReport,
    html: Callable[[], str],
    who: Requester = STAFF,
) -> bytes:
    """The PDF of ``report``, from the cache or rendered from ``html()`` (the HTML here, the
    PDF in a render process: ``app.platform.pdf.pool``)."""
    return renderer.pdf(
        report_key(kind, report), lambda: renderer.pool.run(html_to_pdf, html()), who
    )


def stamped_pdf(
    renderer: PdfRenderer,
    kind: str,
    stamp: dict[str, Any],
    html: Callable[[], str],
    who: Requester = STAFF,
) -> bytes:
    """The PDF named by ``stamp``: from the cache without building anything, or made from
    ``html()`` (which gathers the figures; only on a miss). Call it after the access check."""
    return renderer.pdf(stamp_key(kind, stamp), lambda: renderer.pool.run(html_to_pdf, html()), who)
