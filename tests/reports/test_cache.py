"""The report cache on disk: keys, hits, and the least-recently-used clean-up."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.platform.pdf.cache import ReportCache, cache_key


def key(n: int) -> str:
    return cache_key("yard", {"yard_id": n}, template_version="t1")


class TestCacheKey:
    def test_stable_and_sensitive_to_everything_shown(self) -> None:
        data = {"yard_id": 1, "lang": "ru", "risk_index": 43.4, "failing": [{"q": "Свет?"}]}
        same = cache_key("yard", dict(reversed(list(data.items()))), template_version="t1")
        assert cache_key("yard", data, template_version="t1") == same
        assert len(same) == 64
        changed = [
            cache_key("yard", {**data, "risk_index": 43.5}, template_version="t1"),
            cache_key("yard", {**data, "lang": "kk"}, template_version="t1"),
            cache_key("yard", data, template_version="t2"),
            cache_key("submission", data, template_version="t1"),
        ]
        assert len({same, *changed}) == 5


class TestReportCache:
    def test_put_then_get(self, tmp_path: Path) -> None:
        cache = ReportCache(tmp_path / "reports", max_bytes=10_000)
        assert cache.get(key(1)) is None
        cache.put(key(1), b"%PDF-1 one")
        assert cache.get(key(1)) == b"%PDF-1 one"
        assert [p.suffix for p in (tmp_path / "reports").iterdir()] == [".pdf"]

    def test_least_recently_used_go_first(self, tmp_path: Path) -> None:
        cache = ReportCache(tmp_path, max_bytes=2_500)
        for n in range(3):
            cache.put(key(n), bytes(1000))
            stamp = time.time() - 100 + n  # distinct times, oldest first
            os.utime(tmp_path / f"{key(n)}.pdf", (stamp, stamp))
        # Three files of 1000 bytes exceed 2500: the oldest went when the third was put...
        assert cache.get(key(0)) is None
        assert cache.get(key(1)) is not None  # ...and a read makes key 1 the newest
        cache.put(key(3), bytes(1000))
        assert cache.get(key(2)) is None
        assert cache.get(key(1)) is not None and cache.get(key(3)) is not None

    def test_size_zero_keeps_nothing(self, tmp_path: Path) -> None:
        cache = ReportCache(tmp_path, max_bytes=0)
        cache.put(key(1), b"%PDF")
        assert cache.get(key(1)) is None
        assert list(tmp_path.iterdir()) == []

    def test_only_hex_keys_name_files(self, tmp_path: Path) -> None:
        cache = ReportCache(tmp_path, max_bytes=100)
        with pytest.raises(ValueError):
            cache.get("../../etc/passwd")
