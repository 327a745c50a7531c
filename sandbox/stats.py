"""Counters for /_sandbox/stats: requests, throttled requests and faults per API, peak request rates."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sandbox.ratelimit import PeakRate


@dataclass(slots=True)
class Stats:
    """Counters for /_sandbox/stats."""

    requests: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    peaks: dict[str, PeakRate] = field(default_factory=lambda: defaultdict(PeakRate))
    fault_counters: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, object]:
        return {
            "requests": dict(self.requests),
            "throttled": dict(self.throttled),
            "faults": dict(self.faults),
            "max_rps": {name: peak.peak for name, peak in self.peaks.items()},
        }
