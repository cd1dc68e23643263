"""Keeping residents' whereabouts out of the logs.

``/api/v1/yards?near=43.25,76.91`` and ``/checklist?lat=..&lon=..`` carry where a resident is
standing: a log line must never hold a query string. SafeYard's own access log
(app/observability) logs the path alone and switches uvicorn's access log off; this filter is
the second lock: should uvicorn's access logger be switched on again (``--access-log``, a
custom log config), its lines lose their query strings too.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


def without_query(target: str) -> str:
    """``/path?query#fragment`` -> ``/path``."""
    return target.split("?", 1)[0].split("#", 1)[0]


class NoQueryStrings(logging.Filter):
    """Rewrites uvicorn's access record ``(client, method, path, version, status)`` so its
    path has no query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], without_query(args[2]), *args[3:])
        return True


def install_log_filter() -> None:
    """Put the filter on uvicorn's access logger (once, however many apps are built)."""
    access = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, NoQueryStrings) for f in access.filters):
        access.addFilter(NoQueryStrings())
