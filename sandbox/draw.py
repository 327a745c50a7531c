"""Deterministic pseudo-random numbers keyed by the seed and a label: any value can be drawn on its own."""

from __future__ import annotations

import hashlib
from typing import Any


class Draw:
    """Deterministic pseudo-random numbers keyed by the seed and a label (no global state or call order)."""

    __slots__ = ("_counter", "_key")

    def __init__(self, seed: int, *label: object) -> None:
        self._key = f"{seed}|" + "|".join(str(part) for part in label)
        self._counter = 0

    def _next(self) -> int:
        self._counter += 1
        digest = hashlib.blake2b(f"{self._key}#{self._counter}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big")

    def random(self) -> float:
        return self._next() / 2**64

    def randint(self, low: int, high: int) -> int:
        return low + self._next() % (high - low + 1)

    def choice(self, items: tuple[Any, ...] | list[Any]) -> Any:
        return items[self._next() % len(items)]

    def hex(self, length: int) -> str:
        return f"{self._next():016x}{self._next():016x}"[:length]
