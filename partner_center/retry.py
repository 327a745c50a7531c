"""What is retried, and how long to wait (spec §5).

Transient failures (timeouts, connection errors, 5xx, CBC.0999, broken pages) back off exponentially
with jitter inside a bounded number of attempts and an overall deadline. Throttling (APIG.0308/429, or
CBC.0250 from the billing backend whatever its status) is not a failure: it waits Retry-After, else 2-5 s
with jitter, and does not use up attempts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

THROTTLE_CODES = frozenset({"APIG.0308", "CBC.0250"})
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

# errno texts of a connection that cannot succeed however often it is tried: nothing listens, no such host.
_UNREACHABLE_MARKERS = ("Connection refused", "Name or service not known", "nodename nor servname",
                        "No address associated", "Temporary failure in name resolution")


def unreachable_reason(exc: BaseException) -> str | None:
    """Why a connection attempt can never succeed (refused, unknown host), or None when it may be transient.

    A refused connection or an unknown host is a wrong URL or a server that is not running: retrying only
    hides the cause (it used to take 16 s in `pbw api call` and minutes in a backfill).
    """
    if not isinstance(exc, httpx.ConnectError):
        return None
    cause: BaseException | None = exc
    while cause is not None:  # anyio wraps the OSError of each address in "All connection attempts failed"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        text = str(cause)
        for marker in _UNREACHABLE_MARKERS:
            if marker in text:
                return "connection refused" if marker == "Connection refused" else "unknown host"
        cause = cause.__cause__ or cause.__context__
    return None
