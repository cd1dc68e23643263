"""The write gate: writers take turns, and a burst of async writers waits on the loop instead of
being refused once the gate's places (threads) are taken."""

import asyncio
import threading
import time

import pytest

from app.platform.db import WriteGate, WriteGateTimeout
from tests.loops import run_in_own_loop


def test_a_burst_past_the_places_is_refused_at_once_from_threads() -> None:
    gate = WriteGate(timeout_s=5, max_waiting=2)
    inside = threading.Event()
    leave = threading.Event()

    def hold() -> None:
        with gate.turn():
            inside.set()
            leave.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)

    def wait_turn() -> None:
        with gate.turn():
            pass

    waiter = threading.Thread(target=wait_turn)
    waiter.start()  # the second place: it waits for the holder's turn
    time.sleep(0.05)
    with pytest.raises(WriteGateTimeout, match="already in line"), gate.turn():
        pass
    leave.set()
    holder.join(5)
    waiter.join(5)


def test_async_writers_past_the_places_wait_their_turn_and_all_write() -> None:
    gate = WriteGate(timeout_s=10, max_waiting=3)
    written: list[int] = []
    most_at_the_gate = 0
    at_the_gate = 0
    count_lock = threading.Lock()

    def write(number: int) -> None:
        nonlocal at_the_gate, most_at_the_gate
        with count_lock:
            at_the_gate += 1
            most_at_the_gate = max(most_at_the_gate, at_the_gate)
        try:
            with gate.turn():
                time.sleep(0.002)
                written.append(number)
        finally:
            with count_lock:
                at_the_gate -= 1

    async def writer(number: int) -> None:
        async with gate.line():
            await asyncio.to_thread(write, number)

    async def burst() -> None:
        await asyncio.gather(*(writer(n) for n in range(60)))

    run_in_own_loop(burst())
    assert sorted(written) == list(range(60))
    assert most_at_the_gate <= 3


def test_an_async_writer_that_waits_past_the_timeout_is_refused() -> None:
    gate = WriteGate(timeout_s=0.1, max_waiting=1)

    async def two() -> None:
        async with gate.line():
            with pytest.raises(WriteGateTimeout, match="no place in line"):
                async with gate.line():
                    pass

    run_in_own_loop(two())


def test_each_event_loop_has_its_own_line() -> None:
    # asyncio's semaphores bind to the loop that first waits on them; an app served by one
    # loop after another (test clients, a restart in-process) must not trip over that.
    gate = WriteGate(timeout_s=1, max_waiting=1)

    async def contended() -> None:
        async def hold() -> None:
            async with gate.line():
                await asyncio.sleep(0.01)

        await asyncio.gather(hold(), hold())

    run_in_own_loop(contended())
    run_in_own_loop(contended())
