"""The hand-off between a dataset's fetch step (holds its API pool) and its load step (holds
`duckdb_writer`): spooled raw pages plus the facts of every sweep, and the metadata they become.

Splitting each asset into two steps lets two runs sweep different APIs at once while their DuckDB
writes still go one at a time.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dagster import Backoff, Jitter, OpExecutionContext, RetryPolicy

from partner_center.client import SweepRequest, sweep_many, sweep_stats
from partner_center.config import Settings
from partner_center.paging import Sweep
from pipelines.resources import PartnerCenterResource

API_RETRY = RetryPolicy(max_retries=3, delay=15, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)
"""Fetch steps: the client already retries calls; this covers an outage longer than its deadline."""

LOAD_RETRY = RetryPolicy(max_retries=2, delay=5, backoff=Backoff.LINEAR)
"""Load steps: a lock wait past the deadline; loads replace partitions, so a retry is idempotent."""


@dataclass
class Fetched:
    """What one fetch step hands to its load step (pickled between the steps; paths, no bytes)."""

    dataset: str
    partitions: tuple[str, ...]
    sweeps: list[Sweep]
    spool_dir: Path
    started: float = field(default_factory=time.time)
    facts: dict[str, Any] = field(default_factory=dict)

    def stats(self) -> dict[str, int]:
        """API calls, throttled answers, retries, re-sweeps, rows fetched and the API's counts."""
        return sweep_stats(self.sweeps)

    def cleanup(self) -> None:
        """Drop the spooled pages once they are loaded."""
        shutil.rmtree(self.spool_dir, ignore_errors=True)


def client_settings(resource: PartnerCenterResource) -> Settings:
    """Client settings from the environment with the resource's non-secret overrides applied."""
    return Settings.from_env({**os.environ, **resource.overrides()})


def sweep(resource: PartnerCenterResource, requests: Sequence[SweepRequest], spool_dir: Path) -> list[Sweep]:
    """Run sweeps with the process-wide token buckets (`PBW_RATE_LIMIT` per API)."""
    if not requests:
        return []
    return sweep_many(client_settings(resource), requests, spool_dir)


def day_window(context: OpExecutionContext) -> tuple[date, date]:
    """First and last Beijing day of the run's daily partition range (inclusive)."""
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


def cycle_window(context: OpExecutionContext) -> list[str]:
    """Billing cycles of the run's monthly partition range, in order."""
    return list(context.partition_keys)


def day_keys(begin: date, end: date) -> tuple[str, ...]:
    """Daily partition keys begin..end."""
    return tuple((begin + timedelta(days=i)).isoformat() for i in range((end - begin).days + 1))


def materialization_metadata(fetched: Fetched | None, load: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata every dataset shows in the UI: rows, quarantined, amount totals, API facts, duration.

    `load` is what the warehouse reported for the load (rows in/loaded/quarantined, amount totals).
    """
    stats = fetched.stats() if fetched is not None else {}
    totals = {f"total_{k}": str(v) for k, v in dict(load.get("amount_totals") or {}).items()}
    started = fetched.started if fetched is not None else time.time()
    return {
        "rows": int(load.get("rows_loaded", 0)),
        "rows_in": int(load.get("rows_in", 0)),
        "quarantined": int(load.get("rows_quarantined", 0)),
        "api_count": stats.get("api_count", 0),
        "fetched": stats.get("rows_fetched", 0),
        "api_calls": stats.get("api_calls", 0),
        "throttled": stats.get("throttled", 0),
        "retries": stats.get("retries", 0),
        "resweeps": stats.get("resweeps", 0),
        "duration_s": round(time.time() - started, 3),
        "load_id": str(load.get("load_id", "")),
        **totals,
    }
