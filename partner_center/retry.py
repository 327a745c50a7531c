"""What is retried, and how long to wait (spec §5).

Transient failures (timeouts, connection errors, 5xx, CBC.0999, broken pages) back off exponentially
with jitter inside a bounded number of attempts and an overall deadline. Throttling (APIG.0308/429) is
not a failure: it waits Retry-After, else 2-5 s with jitter, and does not use up attempts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

THROTTLE_CODES = frozenset({"APIG.0308"})
RETRYABLE_CODES = frozenset({"CBC.0999"})


class TransientError(Exception):
    """A failure worth retrying; the text is a short safe description (no secrets, no body)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff parameters; tests shorten them."""

    max_attempts: int = 6
    deadline: float = 300.0
    base: float = 0.5
    cap: float = 30.0
    throttle_min: float = 2.0
    throttle_max: float = 5.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Equal-jitter exponential delay after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)

    def throttle_delay(self, retry_after: str | None, rng: random.Random | None = None) -> float:
        """Retry-After (seconds) when the gateway gives one, else the documented 2-5 s with jitter."""
        if retry_after:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                pass
        return (rng or random).uniform(self.throttle_min, self.throttle_max)


def is_throttled(status: int, error_code: str | None) -> bool:
    return status == 429 or error_code in THROTTLE_CODES


def is_transient_status(status: int, error_code: str | None) -> bool:
    return status >= 500 or error_code in RETRYABLE_CODES


TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (httpx.TimeoutException, httpx.TransportError)
