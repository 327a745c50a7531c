"""The hand-off between a dataset's fetch step (holds its API pool) and its load step (holds
`duckdb_writer`): spooled raw pages plus the facts of every sweep, and the metadata they become.

Splitting each asset into two steps lets two runs sweep different APIs at once while their DuckDB
writes still go one at a time.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from dagster import OpExecutionContext, RetryRequested

from partner_center.client import SweepRequest, sweep_many, sweep_stats
from partner_center.config import Settings
from partner_center.errors import RetriesExhaustedError
from partner_center.paging import Sweep
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.connection import WarehouseLockedError

API_RETRIES, API_RETRY_WAIT_S = 3, 60
LOCK_RETRIES, LOCK_RETRY_WAIT_S = 2, 10

Loaded = TypeVar("Loaded")


@contextmanager
def retry_on_outage() -> Iterator[None]:
    """Fetch steps retry (3x, 60 s apart) only when the client gave up on an outage; its own per-call
    retries already cover throttling and blips, and a permanent error (bad parameter, auth) must not loop."""
    try:
        yield
    except RetriesExhaustedError as exc:
        raise RetryRequested(max_retries=API_RETRIES, seconds_to_wait=API_RETRY_WAIT_S) from exc


@contextmanager
def retry_on_lock() -> Iterator[None]:
    """Load steps retry (2x, 10 s apart) only when the warehouse stayed locked past the writer's deadline;
    loads replace partitions, so a retry is idempotent. Contract errors fail at once."""
    try:
        yield
    except WarehouseLockedError as exc:
        raise RetryRequested(max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_RETRY_WAIT_S) from exc


@dataclass
class Fetched:
    """What one fetch step hands to its load step (pickled between the steps; paths, no bytes)."""

    dataset: str
    partitions: tuple[str, ...]
    sweeps: list[Sweep]
    spool_dir: Path
    partner_domain_id: str | None = None
    lookups: list[Sweep] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    facts: dict[str, Any] = field(default_factory=dict)

    def stats(self) -> dict[str, int]:
        """Rows fetched and the API's counts of the data sweeps; calls and throttling of every sweep
        (lookups such as "who consumed in this cycle" cost calls but are not rows of the dataset)."""
        data, everything = sweep_stats(self.sweeps), sweep_stats([*self.sweeps, *self.lookups])
        keep = ("rows_fetched", "api_count")
        return {k: (data[k] if k in keep else everything[k]) for k in everything}

    def cleanup(self) -> None:
        """Drop the spooled pages once they are loaded."""
        shutil.rmtree(self.spool_dir, ignore_errors=True)


def load_fetched(
    context: OpExecutionContext,
    fetched: Fetched,
    warehouse: WarehouseResource,
    load: Callable[..., Loaded],
    *args: Any,
    **kwargs: Any,
) -> Loaded:
    """Every load step the same way: `load(con, sweeps, *args, run_id, partner_domain_id, **kwargs)` in
    one writer transaction (retried on a lock timeout), then the spooled pages are dropped."""
    return commit_fetched(fetched, warehouse, load, fetched.sweeps, *args, run_id=context.run.run_id,
                          partner_domain_id=fetched.partner_domain_id, **kwargs)


def commit_fetched(
    fetched: Fetched,
    warehouse: WarehouseResource,
    commit: Callable[..., Loaded],
    *args: Any,
    **kwargs: Any,
) -> Loaded:
    """`commit(con, *args, **kwargs)` on the writer (retried on a lock timeout), then the spool is dropped."""
    with retry_on_lock(), warehouse.writer() as con:
        report = commit(con, *args, **kwargs)
    fetched.cleanup()
    return report


def client_settings(resource: PartnerCenterResource) -> Settings:
    """Client settings from the environment with the resource's non-secret overrides applied."""
    return Settings.from_env({**os.environ, **resource.overrides()})


def sweep(
    resource: PartnerCenterResource,
    requests: Sequence[SweepRequest],
    spool_dir: Path,
    *,
    keep_ids: bool = False,
) -> list[Sweep]:
    """Run sweeps with the process-wide token buckets (`PBW_RATE_LIMIT` per API).

    Ids are kept only when the caller reads them (lookups such as consume-sub-customers): a data sweep's
    ids would otherwise ride along to the load step, ~70 MB per million records (benchmark B3).
    """
    if not requests:
        return []
    with retry_on_outage():
        sweeps = sweep_many(client_settings(resource), requests, spool_dir)
    if not keep_ids:
        for done in sweeps:
            done.ids = None
    return sweeps


def sweep_streaming(
    resource: PartnerCenterResource,
    requests: Sequence[SweepRequest],
    spool_dir: Path,
    consume: Callable[[Iterator[Path]], Loaded],
    discard: Callable[[Loaded], None] | None = None,
) -> tuple[list[Sweep], Loaded]:
    """Sweep in a worker thread while `consume` reads, here, the page files of every sweep that finished.

    Fetching waits on the API and parsing on the CPU: overlapped, a step costs about the longer of the two
    instead of their sum (benchmark B1). Data sweeps drop their ids as they finish (see `sweep`). When the
    sweep fails, `discard` gets what `consume` made of the pages so far, and the sweep's error is raised.
    """
    finished: queue.SimpleQueue[list[Path] | None] = queue.SimpleQueue()
    abandoned = threading.Event()

    def on_done(done: Sweep) -> None:
        if abandoned.is_set():
            raise RuntimeError("the load of these pages failed; sweep abandoned")
        done.ids = None
        finished.put(list(done.page_files))

    def fetch() -> list[Sweep]:
        try:
            with retry_on_outage():
                return sweep_many(client_settings(resource), requests, spool_dir, on_done=on_done)
        finally:
            finished.put(None)

    def pages() -> Iterator[Path]:
        while (batch := finished.get()) is not None:
            yield from batch

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pbw-sweep") as pool:
        swept = pool.submit(fetch)
        try:
            made = consume(pages())
        except BaseException:
            abandoned.set()
            raise
        try:
            sweeps = swept.result()
        except BaseException:
            if discard is not None:
                discard(made)
            raise
    return sweeps, made


def partner_domain_id(resource: PartnerCenterResource) -> str | None:
    """The partner account the data is pulled with; every loaded row carries it."""
    return client_settings(resource).domain_id


def day_window(context: OpExecutionContext) -> tuple[date, date]:
    """First and last Beijing day of the run's daily partition range (inclusive)."""
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


def day_keys(begin: date, end: date) -> tuple[str, ...]:
    """Daily partition keys begin..end."""
    return tuple((begin + timedelta(days=i)).isoformat() for i in range((end - begin).days + 1))


def materialization_metadata(fetched: Fetched | None, load: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata every dataset shows in the UI: rows, quarantined, amount totals, API facts, duration.

    `load` is what the warehouse reported for the load (rows in/loaded/quarantined, amount totals).
    """
    stats = fetched.stats() if fetched is not None else {}
    totals = {f"total_{k}": f"{v:f}" for k, v in dict(load.get("amount_totals") or {}).items()}
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
