"""A token bucket per chat, in the memory of one worker process.

In-process on purpose: it only has to keep one chat from flooding this worker (a stuck
client, a script); with several workers a chat gets that many buckets, which is still
bounded. The rate limits of the web routes (app.platform.security.ratelimit) count by client
address, which for Telegram is always Telegram's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

# Buckets of chats silent this long are dropped, so the map stays small.
IDLE_S = 600.0


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class ChatBuckets:
    def __init__(self, per_minute: int, *, clock: object = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._swept = 0.0

    def take(self, chat_id: int) -> tuple[bool, bool]:
        """(allowed, warn): ``warn`` is True for the first refusal of a run of them."""
        now = self._clock()  # type: ignore[operator]
        if now - self._swept > IDLE_S:
            self._sweep(now)
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = self._buckets[chat_id] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.warned = False
            return True, False
        warn = not bucket.warned
        bucket.warned = True
        return False, warn

    def _sweep(self, now: float) -> None:
        self._swept = now
        for chat_id in [c for c, b in self._buckets.items() if now - b.at > IDLE_S]:
            del self._buckets[chat_id]
