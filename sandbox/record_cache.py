"""Generated cycles kept in memory: a bounded LRU of (customer, cycle) records, and what res-fee-records
serves of each on one clock day, pre-joined so a page body is one slice and one join."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sandbox.model import Customer, FeeRecord
from sandbox.wire import json_pieces

# Generated records kept (about 1.2 KB each): enough for one month of 2,000 customers at the default 8
# records per day (about 500k) with room to spare; older (customer, cycle) entries are evicted and rebuilt.
DEFAULT_CACHE_RECORDS = 600_000
# Clock days (per cycle) and date windows whose aggregates are kept; each is small.
KEPT_VIEWS = 16


@dataclass(slots=True)
class CycleEntry:
    """A customer's generated cycle and what res-fee-records serves of it on one clock day.

    `pieces` is the served records' JSON as [head, tail, b",", head, tail, ...], so a page body is one
    slice and one join, with no Python work per record.
    """

    records: list[FeeRecord]
    served_key: tuple[date, int] | None = None
    served: list[FeeRecord] = field(default_factory=list)
    pieces: list[bytes] = field(default_factory=list)


class RecordCache:
    """Cycles from `generate`, least recently used out first once more than `capacity` records are kept."""

    def __init__(
        self,
        generate: Callable[[Customer, str], list[FeeRecord]],
        capacity: int,
        drift: dict[tuple[str, str], list[FeeRecord]],
        duplicate_id: str,
    ) -> None:
        self._generate = generate
        self.capacity = capacity
        self._drift = drift
        self._duplicate_id = duplicate_id
        self._cycles: OrderedDict[tuple[int, str], CycleEntry] = OrderedDict()
        self.cached_records = 0

    def entry(self, customer: Customer, cycle: str) -> CycleEntry:
        """A customer's cycle from the bounded cache (least recently used out first), generated on a miss."""
        key = (customer.index, cycle)
        cache = self._cycles
        entry = cache.get(key)
        if entry is not None:
            cache.move_to_end(key)
            return entry
        records = self._generate(customer, cycle)
        entry = cache[key] = CycleEntry(records)
        self.cached_records += len(records)
        while self.cached_records > self.capacity and len(cache) > 1:
            self.cached_records -= len(cache.popitem(last=False)[1].records)
        return entry

    def records(self, customer: Customer, cycle: str) -> list[FeeRecord]:
        """Every record of a customer's cycle (visible or not), sorted by (trade_time, id); cached."""
        return self.entry(customer, cycle).records

    def served(self, customer: Customer, cycle: str, today: date) -> CycleEntry:
        """The entry with what res-fee-records serves on `today`: visible, not hidden, plus drift records
        (keyed by customer id and cycle), the duplicate record repeated."""
        entry = self.entry(customer, cycle)
        drift = self._drift.get((customer.customer_id, cycle))
        duplicate_id = self._duplicate_id
        key = (today, len(drift) if drift else 0)
        if entry.served_key == key:
            return entry
        out = [r for r in entry.records if r.visible_from <= today and not r.hidden]
        if drift:
            out = sorted(out + drift, key=lambda r: r.sort_key)
        if duplicate_id:
            dup = [i for i, r in enumerate(out) if r.id == duplicate_id]
            if dup:
                out.insert(dup[0] + 1, out[dup[0]])
        entry.served, entry.pieces, entry.served_key = out, json_pieces(out), key
        return entry


def served_body(entry: CycleEntry, offset: int, limit: int) -> bytes:
    """The served records [offset, offset + limit) as comma-separated JSON objects, from `pieces`."""
    count = len(entry.served[offset : offset + limit])
    return b"".join(entry.pieces[3 * offset : 3 * (offset + count) - 1]) if count else b""
