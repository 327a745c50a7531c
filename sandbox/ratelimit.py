"""Server-side throttling as the API gateway does it: a token bucket per (source IP, API, partner), 429
APIG.0308 past it. The partner is the ParentUid (domain) behind the AK or token, so two AKs of one partner
share one bucket (spec §5)."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up; one token per accepted request."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> bool:
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(slots=True)
class RateLimiter:
    """Buckets keyed by (endpoint, principal), the principal being "source IP|domain id"; `rate` None
    means throttling is off."""

    rate: float | None
    buckets: dict[tuple[str, str], TokenBucket] = field(default_factory=dict)

    def allow(self, endpoint: str, principal: str, now: float | None = None) -> bool:
        if self.rate is None:
            return True
        bucket = self.buckets.get((endpoint, principal))
        if bucket is None:
            bucket = self.buckets[(endpoint, principal)] = TokenBucket(self.rate, max(1.0, self.rate))
        return bucket.take(time.monotonic() if now is None else now)


@dataclass(slots=True)
class PeakRate:
    """Highest number of accepted requests inside any 1 s window (for /_sandbox/stats max_rps)."""

    window: deque[float] = field(default_factory=deque)
    peak: int = 0

    def record(self, now: float) -> None:
        self.window.append(now)
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        self.peak = max(self.peak, len(self.window))


def parse_rate(text: str) -> float | None:
    """`10` -> 10.0 requests/s; `off` -> None."""
    if text.strip().lower() in {"off", "none", "0"}:
        return None
    value = float(text)
    if value <= 0:
        raise ValueError("rate limit must be positive or 'off'")
    return value
