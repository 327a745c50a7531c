"""Fetch-only peer: sync httpx + orjson into dicts and nothing else, the ceiling of any dict-based loader.

Usage: `python -m benchmarks.peers.fetch_only WORK.json` with the sandbox's export variables set.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
import orjson

from benchmarks.api import Credentials, fee_pages
from benchmarks.harness import emit


def main(work_file: str) -> None:
    """Sweep every (customer, range) of the workload, counting records; report records, calls, seconds."""
    work = orjson.loads(Path(work_file).read_bytes())
    creds = Credentials.from_env()
    records = calls = mismatched = 0
    started, cpu = time.perf_counter(), time.process_time()
    with httpx.Client(timeout=120) as client:
        for params in work["sweeps"]:
            fetched = api_count = 0
            for page in fee_pages(client, creds, params):
                calls += 1
                fetched += len(page.get("fee_records") or [])
                api_count = int(page.get("total_count") or 0)
            records += fetched
            mismatched += fetched != api_count
    emit({"records": records, "calls": calls, "seconds": time.perf_counter() - started,
          "cpu_s": time.process_time() - cpu,
          "sweeps_short_or_long": mismatched})


if __name__ == "__main__":
    main(sys.argv[1])
