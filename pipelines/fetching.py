"""The hand-off between a dataset's fetch step (holds its API pool) and its load step (holds
`duckdb_writer`): the fetch step sweeps and stages (parse, validate, Parquet) while later pages download;
the load step only commits the staged batch. Here too: the client's sweeps become the warehouse's plain
evidence, and a commit's `LoadReport` becomes the metadata shown in the UI.

Splitting each asset into two steps lets two runs sweep different APIs at once while their DuckDB
writes still go one at a time.
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from dagster import OpExecutionContext, RetryRequested

from partner_center.client import SweepRequest, sweep_many, sweep_stats
from partner_center.config import Settings
from partner_center.errors import RetriesExhaustedError
from partner_center.paging import Sweep
from pipelines.money import money_metadata
from pipelines.progress import step_progress
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.connection import WarehouseLockedError
from warehouse.contract import Loader, LoadReport, StagedBatch, SweepEvidence

OUTAGE_RETRIES, OUTAGE_RETRY_WAIT_S = 1, 60.0
"""Defaults of `PBW_OUTAGE_RETRIES` / `PBW_OUTAGE_RETRY_WAIT_S` (see `retry_on_outage`)."""
LOCK_RETRIES, LOCK_RETRY_WAIT_S = 2, 10

Made = TypeVar("Made")
Batch = TypeVar("Batch", bound=StagedBatch)


def outage_retry() -> tuple[int, float]:
    """`PBW_OUTAGE_RETRIES` (default 1) and `PBW_OUTAGE_RETRY_WAIT_S` (default 60) from the environment."""
    try:
        retries = int(os.environ.get("PBW_OUTAGE_RETRIES", OUTAGE_RETRIES))
        wait = float(os.environ.get("PBW_OUTAGE_RETRY_WAIT_S", OUTAGE_RETRY_WAIT_S))
    except ValueError as exc:
        raise ValueError(f"PBW_OUTAGE_RETRIES must be an integer and PBW_OUTAGE_RETRY_WAIT_S a number "
                         f"of seconds: {exc}") from None
    if retries < 0 or wait < 0:
        raise ValueError("PBW_OUTAGE_RETRIES and PBW_OUTAGE_RETRY_WAIT_S must not be negative")
    return retries, wait


@contextmanager
def retry_on_outage() -> Iterator[None]:
    """Fetch steps retry only when the client gave up on an outage (retries exhausted), by default once,
    60 s later (`PBW_OUTAGE_RETRIES`, `PBW_OUTAGE_RETRY_WAIT_S`). The client's per-call retries already
    cover throttling and blips, so retries must not stack: one step retry, no run retry (dagster.yaml),
    and a permanent error (bad parameter, auth) fails at once."""
    try:
        yield
    except RetriesExhaustedError as exc:
        retries, wait = outage_retry()
        raise RetryRequested(max_retries=retries, seconds_to_wait=wait) from exc


@contextmanager
def retry_on_lock() -> Iterator[None]:
    """Load steps retry (2x, 10 s apart) only when the warehouse stayed locked past the writer's deadline;
    loads replace partitions, so a retry is idempotent. Contract errors fail at once."""
    try:
        yield
    except WarehouseLockedError as exc:
        raise RetryRequested(max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_RETRY_WAIT_S) from exc


@dataclass(frozen=True)
class SweepStats:
    """The API's side of a fetch for the UI: rows and counts of the data sweeps; calls, throttling,
    retries and re-sweeps of every sweep (lookups such as "who consumed in this cycle" cost calls but are
    not rows of the dataset)."""

    api_count: int = 0
    rows_fetched: int = 0
    api_calls: int = 0
    throttled: int = 0
    retries: int = 0
    resweeps: int = 0

    @classmethod
    def of(cls, data: Sequence[Sweep], lookups: Sequence[Sweep] = ()) -> SweepStats:
        """Stats of the data sweeps and the lookups of one fetch step."""
        rows, every = sweep_stats(data), sweep_stats([*data, *lookups])
        return cls(api_count=rows["api_count"], rows_fetched=rows["rows_fetched"],
                   api_calls=every["api_calls"], throttled=every["throttled"], retries=every["retries"],
                   resweeps=every["resweeps"])


def evidence(dataset: str, sweeps: Sequence[Sweep]) -> tuple[SweepEvidence, ...]:
    """The client's sweeps as the plain evidence the warehouse stores in audit.api_sweeps."""
    return tuple(
        SweepEvidence(
            dataset=dataset,
            endpoint_label=s.endpoint,
            params=dict(s.params),
            api_count=s.api_count,
            fetched=s.fetched,
            duplicates=len(s.duplicates),
            calls=s.calls,
            throttled=s.throttled,
            resweeps=s.resweeps,
            started_at_utc=s.started_at_utc,
            finished_at_utc=s.finished_at_utc,
        )
        for s in sweeps
    )


@dataclass(frozen=True)
class Fetched(Generic[Batch]):
    """What one fetch step hands to its load step (pickled between the steps; paths, no bytes): the batch
    it staged, the spool folder that holds it, and the API's stats for the UI."""

    batch: Batch
    spool_dir: Path
    stats: SweepStats = field(default_factory=SweepStats)
    started: float = field(default_factory=time.time)

    def cleanup(self) -> None:
        """Drop the spooled pages and staged rows once they are committed."""
        shutil.rmtree(self.spool_dir, ignore_errors=True)


def commit_fetched(
    fetched: Fetched[Batch], warehouse: WarehouseResource, commit: Loader[Batch]
) -> LoadReport:
    """Every load step the same way: `commit(con, batch)` in one writer transaction (retried on a lock
    timeout), then the spool is dropped."""
    with retry_on_lock(), warehouse.writer() as con:
        report = commit(con, fetched.batch)
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
    with retry_on_outage(), step_progress(requests) as progress:
        sweeps = sweep_many(client_settings(resource), requests, spool_dir, on_done=progress)
    if not keep_ids:
        for done in sweeps:
            done.ids = None
    return sweeps


def sweep_streaming(
    resource: PartnerCenterResource,
    requests: Sequence[SweepRequest],
    spool_dir: Path,
    consume: Callable[[Iterator[Path]], Made],
    discard: Callable[[Made], None] | None = None,
) -> tuple[list[Sweep], Made]:
    """Sweep in a worker thread while `consume` reads, here, the page files of every sweep that finished.

    Fetching waits on the API and parsing on the CPU: overlapped, a step costs about the longer of the two
    instead of their sum (benchmark B1). Data sweeps drop their ids as they finish (see `sweep`). When the
    sweep fails, `discard` gets what `consume` made of the pages so far, and the sweep's error is raised.
    """
    return stream_sweeps(
        resource, requests, spool_dir, lambda done: consume(p for s in done for p in s.page_files), discard
    )


def stream_sweeps(
    resource: PartnerCenterResource,
    requests: Sequence[SweepRequest],
    spool_dir: Path,
    consume: Callable[[Iterator[Sweep]], Made],
    discard: Callable[[Made], None] | None = None,
) -> tuple[list[Sweep], Made]:
    """`sweep_streaming` for consumers that need each finished sweep (its request params), not just pages.

    Pages handed to `consume` are its own until the step ends (the run's spool goes as a whole): a later
    sweep's failure never deletes them under the reader. When both fail, the sweep's error is raised, since
    it is the cause (e.g. retries exhausted, which `retry_on_outage` turns into the step's retry)."""
    finished: queue.SimpleQueue[Sweep | None] = queue.SimpleQueue()
    abandoned = threading.Event()

    def on_done(done: Sweep) -> None:
        if abandoned.is_set():
            raise SweepAbandoned("the load of these pages failed; sweep abandoned")
        done.ids = None
        finished.put(done)

    def fetch() -> list[Sweep]:
        try:
            with retry_on_outage():
                return sweep_many(client_settings(resource), requests, spool_dir, on_done=on_done)
        finally:
            finished.put(None)

    def done_sweeps() -> Iterator[Sweep]:
        while (done := finished.get()) is not None:
            progress(done)
            yield done

    with step_progress(requests) as progress, ThreadPoolExecutor(1, thread_name_prefix="pbw-sweep") as pool:
        swept = pool.submit(fetch)
        try:
            made = consume(done_sweeps())
        except BaseException:
            abandoned.set()
            cause = swept.exception()  # waits for the sweep to stop (at its next finished sweep)
            if cause is not None and not isinstance(cause, SweepAbandoned):
                raise cause  # noqa: B904 (the consumer's error stays as its __context__)
            raise
        try:
            sweeps = swept.result()
        except BaseException:
            if discard is not None:
                discard(made)
            raise
    return sweeps, made


class SweepAbandoned(RuntimeError):
    """The consumer of a streamed sweep failed, so the remaining sweeps stop."""


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


def console_partner_domain_id() -> str | None:
    """The partner account of console export files (no request names one): HUAWEICLOUD_SDK_DOMAIN_ID."""
    return os.environ.get("HUAWEICLOUD_SDK_DOMAIN_ID") or None


def materialization_metadata(fetched: Fetched[Any] | None, report: LoadReport) -> dict[str, Any]:
    """The metadata every dataset shows in the UI: rows, quarantined, amount totals, API facts, duration."""
    stats = fetched.stats if fetched is not None else SweepStats()
    totals = {n: m for k, v in report.amount_totals.items()
              for n, m in money_metadata(f"total_{k}", v).items()}
    started = fetched.started if fetched is not None else time.time()
    return {
        "rows": report.rows_loaded,
        "rows_in": report.rows_in,
        "quarantined": report.rows_quarantined,
        "api_count": stats.api_count,
        "fetched": stats.rows_fetched,
        "api_calls": stats.api_calls,
        "throttled": stats.throttled,
        "retries": stats.retries,
        "resweeps": stats.resweeps,
        "duration_s": round(time.time() - started, 3),
        "load_id": report.load_id,
        **totals,
    }
