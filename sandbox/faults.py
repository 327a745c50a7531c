"""Injected faults: which one (if any) hits the n-th request of an endpoint, from the seed alone.

Spec: `http500:0.05,timeout:0.02,reset:0.01,truncate:0.01,drift:0.01,dupe:0.01,slow:200ms`. Each kind is
drawn with its probability from one uniform number per (seed, endpoint, n), so a test can predict counts.
`slow:200ms` delays every request; `slow:0.1@200ms` delays one in ten.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

KINDS = ("http500", "timeout", "reset", "truncate", "drift", "dupe")
PAGING_KINDS = frozenset({"drift", "dupe"})


def _duration(text: str) -> float:
    text = text.strip().lower()
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    if text.endswith("s"):
        return float(text[:-1])
    return float(text) / 1000


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Probabilities per kind plus the slow-down; empty means no faults."""

    seed: int
    rates: tuple[tuple[str, float], ...] = ()
    slow_probability: float = 0.0
    slow_seconds: float = 0.0

    @classmethod
    def parse(cls, spec: str | None, seed: int) -> FaultPlan:
        rates: dict[str, float] = {}
        slow_p, slow_s = 0.0, 0.0
        for part in (spec or "").split(","):
            if not part.strip():
                continue
            kind, sep, value = part.strip().partition(":")
            if not sep:
                raise ValueError(f"fault {part!r} needs a value, e.g. http500:0.05")
            if kind == "slow":
                share, at, delay = value.partition("@")
                slow_p, slow_s = (float(share), _duration(delay)) if at else (1.0, _duration(value))
                continue
            if kind not in KINDS:
                raise ValueError(f"unknown fault {kind!r} (known: {', '.join((*KINDS, 'slow'))})")
            probability = float(value)
            if not 0 <= probability <= 1:
                raise ValueError(f"fault probability of {kind} must be within [0, 1]")
            rates[kind] = probability
        if sum(rates.values()) > 1:
            raise ValueError("fault probabilities add up to more than 1")
        return cls(seed, tuple((k, rates[k]) for k in KINDS if k in rates), slow_p, slow_s)

    def _uniform(self, label: str, endpoint: str, n: int) -> float:
        digest = hashlib.blake2b(f"{self.seed}|{label}|{endpoint}|{n}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def draw(self, endpoint: str, n: int) -> str | None:
        """The fault kind for the n-th request (0-based) of `endpoint`, or None."""
        if not self.rates:
            return None
        u = self._uniform("fault", endpoint, n)
        acc = 0.0
        for kind, probability in self.rates:
            acc += probability
            if u < acc:
                return kind
        return None

    def delay(self, endpoint: str, n: int) -> float:
        """Seconds to hold the n-th request of `endpoint` before answering."""
        if self.slow_seconds <= 0:
            return 0.0
        if self.slow_probability >= 1 or self._uniform("slow", endpoint, n) < self.slow_probability:
            return self.slow_seconds
        return 0.0
