"""One token bucket per API and partner account, shared by every task and event loop in the process.

The Partner API throttles per (source IP, API) at 10 requests/s, counted per partner account (the sandbox's
gateway counts by ip|domain). Buckets live in a module-level registry keyed by host + path template +
domain id, so concurrent sweeps (and several clients) of one account share one budget.
The bucket reserves a send time under a thread lock and then sleeps outside it (GCRA), so it never
binds to an event loop and a sleeping task does not block the others from reserving.
"""

from __future__ import annotations

import asyncio
import threading
import time


class TokenBucket:
    """GCRA token bucket: `rate` requests/s with bursts of up to `burst` back to back."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        self._lock = threading.Lock()
        self._tat = 0.0
        self.configure(rate, burst)

    def configure(self, rate: float, burst: int) -> None:
        """Change the rate in place (a later client asked for a different one)."""
        with self._lock:
            self.rate = rate
            self.burst = burst
            self._interval = 1.0 / rate
            self._tolerance = (burst - 1) * self._interval

    def reserve(self) -> float:
        """Book the next send slot and return how long to wait for it (seconds, >= 0)."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._tat - self._tolerance)
            self._tat = max(self._tat, now) + self._interval
            return start - now

    async def acquire(self) -> float:
        """Wait for a send slot; returns the time waited."""
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)
        return wait

    def penalize(self, seconds: float) -> None:
        """After a throttled answer, push every task's next slot at least `seconds` into the future."""
        with self._lock:
            self._tat = max(self._tat, time.monotonic() + seconds)


_registry_lock = threading.Lock()
_registry: dict[str, TokenBucket] = {}


def bucket_for(key: str, rate: float, burst: int = 1) -> TokenBucket:
    """The process-wide bucket of one API (`key` = host + path template + account)."""
    with _registry_lock:
        bucket = _registry.get(key)
        if bucket is None:
            bucket = _registry[key] = TokenBucket(rate, burst)
        elif (bucket.rate, bucket.burst) != (rate, burst):
            bucket.configure(rate, burst)
        return bucket
