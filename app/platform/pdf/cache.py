"""Rendered PDFs on disk, keyed by a hash of everything they show; least recently used out.

A report is a pure function of its data, the templates and the language, so the key is a
SHA-256 of those: an unchanged yard is never rendered twice (across workers and restarts too),
and any change in what the report would show is a new key. Files are written to a temporary
name and renamed, so a reader never sees half a PDF.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

SUFFIX = ".pdf"


def cache_key(kind: str, data: dict[str, Any], *, template_version: str) -> str:
    """SHA-256 of the report kind, the template version and the data (language included)."""
    body = json.dumps(
        {"kind": kind, "templates": template_version, "data": data},
        sort_keys=True,
        default=str,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


class ReportCache:
    """PDF files under ``directory``, at most ``max_bytes`` in all (0: nothing is kept)."""

    def __init__(self, directory: Path, *, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("a cache key is a SHA-256 hex digest")
        return self.directory / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        """The PDF of ``key``, or None; a hit counts as a use (its time is refreshed)."""
        if self.max_bytes <= 0:
            return None
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        # Removed by a clean-up in between: the bytes read are whole all the same.
        with contextlib.suppress(FileNotFoundError):
            os.utime(path)
        return data

    def put(self, key: str, data: bytes) -> None:
        if self.max_bytes <= 0 or len(data) > self.max_bytes:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.clean_up()

    def clean_up(self) -> int:
        """Remove the least recently used PDFs until the total is within the limit; returns
        how many were removed."""
        with self._lock:
            entries = []
            for path in self.directory.glob(f"*{SUFFIX}"):
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                entries.append((stat.st_mtime, stat.st_size, path))
            total = sum(size for _, size, _ in entries)
            removed = 0
            for _, size, path in sorted(entries, key=lambda e: (e[0], e[2].name)):
                if total <= self.max_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size
                removed += 1
            return removed
