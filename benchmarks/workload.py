"""The workload every contender sweeps: which customers had consumption, over which Beijing date range.

Surveyed once per sandbox with the benchmarks' own caller (rate limit off), written to a JSON file
that each child reads, so ours and the peers fetch exactly the same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import orjson

from benchmarks.api import FEE_RECORDS, Credentials, consuming_customers, total_count


@dataclass(frozen=True)
class Workload:
    """Sweeps (one per customer with consumption) and the API's record count over all of them."""

    begin: date
    end: date
    sweeps: list[dict[str, str]]
    expected_records: int
    sizes: dict[str, int]

    def write(self, path: Path) -> Path:
        path.write_bytes(orjson.dumps({
            "begin": self.begin.isoformat(), "end": self.end.isoformat(),
            "sweeps": self.sweeps, "expected_records": self.expected_records, "sizes": self.sizes,
        }))
        return path


def month_ranges(begin: date, end: date) -> list[tuple[str, date, date]]:
    """Split [begin, end] at month edges: the API takes one bill_cycle per request."""
    out: list[tuple[str, date, date]] = []
    start = begin
    while start <= end:
        next_month = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        stop = min(end, next_month - timedelta(days=1))
        out.append((start.strftime("%Y-%m"), start, stop))
        start = stop + timedelta(days=1)
    return out


def survey(creds: Credentials, begin: date, end: date) -> Workload:
    """Ask the sandbox who consumed in each cycle and how many records each sweep will return."""
    sweeps: list[dict[str, str]] = []
    sizes: dict[str, int] = {}
    expected = 0
    with httpx.Client(timeout=120) as client:
        for cycle, first, last in month_ranges(begin, end):
            for customer in consuming_customers(client, creds, cycle):
                params = {"customer_id": customer, "bill_cycle": cycle,
                          "bill_date_begin": first.isoformat(), "bill_date_end": last.isoformat()}
                count = total_count(client, creds, FEE_RECORDS, params)
                expected += count
                if count:
                    sweeps.append(params)
                    sizes[sweep_key(params)] = count
    return Workload(begin, end, sweeps, expected, sizes)


def sweep_key(params: dict[str, str]) -> str:
    """One sweep's name in `Workload.sizes`."""
    return f"{params['customer_id']}@{params['bill_cycle']}"
