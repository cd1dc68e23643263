"""The decode memory budget with real threads: decodes wait until their peak fits, and a
burst past the waiting cap is answered 503 at once instead of filling the thread pool."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from app.photos.decode_memory import DecodesBusy, MemoryBudget

GIVE_UP_S = 30  # a guard against a hanging test, never a measured time


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + GIVE_UP_S
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


class TestMemoryBudget:
    def test_decodes_wait_until_their_peak_fits_and_a_burst_past_the_cap_gets_503(
        self,
    ) -> None:
        budget = MemoryBudget(100, max_waiting=2)
        peaks: list[int] = []
        release = threading.Event()

        def decode(cost: int) -> None:
            with budget.reserve(cost):
                peaks.append(budget.used)
                release.wait(GIVE_UP_S)

        with budget.reserve(80):
            waiters = [threading.Thread(target=decode, args=(50,)) for _ in range(2)]
            for thread in waiters:
                thread.start()
            wait_until(lambda: budget.waiting == 2)
            assert peaks == []  # 80 + 50 does not fit: both wait
            with pytest.raises(DecodesBusy) as busy, budget.reserve(50):
                pass
            assert busy.value.status_code == 503 and busy.value.retry_after_s > 0
            assert "not stored" in busy.value.message
        wait_until(lambda: len(peaks) == 2)  # 50 + 50 fit together once the 80 is back
        assert max(peaks) <= 100
        release.set()
        for thread in waiters:
            thread.join(GIVE_UP_S)
        assert (budget.used, budget.waiting) == (0, 0)

    def test_a_cost_that_fits_never_waits(self) -> None:
        budget = MemoryBudget(100, max_waiting=0)
        with budget.reserve(60), budget.reserve(40):
            assert budget.used == 100
