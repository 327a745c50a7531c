"""Connections to the warehouse file: short-lived writers that wait for the lock, read-only readers.

DuckDB lets one process write a database file and, while it does, no other process may even read it. So
writers are opened for one load and closed right after, and everyone who finds the file locked waits with
backoff up to a deadline, then fails with a message that names the process holding the lock and what to do.
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.migrate import apply_migrations

DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
DEFAULT_DEADLINE_S = 60.0
MEMORY_LIMIT_ENV = "PBW_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "PBW_DUCKDB_THREADS"
LOAD_MEMORY_PER_THREAD_MB = 64
_HOLDER = re.compile(r"Conflicting lock is held in (?P<command>.*?) \(PID (?P<pid>\d+)\)")
_LOCK_MARKERS = ("Could not set lock", "Conflicting lock")


def warehouse_path() -> Path:
    """The warehouse file from `PBW_WAREHOUSE` (default `data/warehouse.duckdb`)."""
    return Path(os.environ.get("PBW_WAREHOUSE", DEFAULT_WAREHOUSE))


DuckDBConfig = dict[str, str | bool | int | float | list[str]]
"""What `duckdb.connect(config=...)` takes: a dict, which is invariant, so its value type is spelled out."""


def duckdb_config(*, reader: bool = False) -> DuckDBConfig:
    """DuckDB settings of the connections we open (writers, page parsers, readers) from the environment.

    DuckDB's own default memory_limit is 80% of the machine, and its buffer pool keeps what it read or wrote
    cached up to that: a 1M-record load peaked near 900 MB RSS (benchmark B3). So the connections of a load
    (writers and page parsers) get `load_memory_limit()` unless `PBW_DUCKDB_MEMORY_LIMIT` says otherwise;
    readers (analysts' queries) keep DuckDB's default unless it is set. `PBW_DUCKDB_THREADS` caps threads.
    """
    config: DuckDBConfig = {}
    threads = os.environ.get(THREADS_ENV, "").strip()
    if threads:
        if not threads.isdigit() or int(threads) < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer, not {threads!r}")
        config["threads"] = threads
    limit = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if limit or not reader:
        config["memory_limit"] = limit or load_memory_limit(int(threads) if threads else None)
    return config


def load_memory_limit(threads: int | None = None) -> str:
    """LOAD_MEMORY_PER_THREAD_MB per DuckDB thread (one per core unless capped): 128MB on 2 cores.

    Beyond it DuckDB spills or streams, at no measured cost in load speed; but a bulk INSERT of wide rows
    buffers a row group per thread and fails below about 64 MB per thread, so the limit follows the threads.
    """
    return f"{LOAD_MEMORY_PER_THREAD_MB * (threads or os.cpu_count() or 1)}MB"


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """No progress bar (a session setting): a long INSERT would print one into the run's logs."""
    con.execute("SET enable_progress_bar = false")
    return con


@dataclass(frozen=True)
class LockHolder:
    """The process that holds the file lock, as far as DuckDB's error and /proc tell."""

    pid: int | None
    command: str | None

    def describe(self) -> str:
        """Human text for error messages."""
        if self.pid is None:
            return "another process (its pid could not be determined)"
        return f"process {self.pid} ({self.command or 'command unknown'})"


class WarehouseLockedError(RuntimeError):
    """Another process held the warehouse file for longer than the deadline."""

    def __init__(self, path: Path, waited_s: float, holder: LockHolder, read_only: bool) -> None:
        self.path = path
        self.waited_s = waited_s
        self.holder = holder
        what = "read" if read_only else "write"
        super().__init__(
            f"cannot {what} {path}: the file is locked by {holder.describe()} and was not released within "
            f"{waited_s:.1f}s. DuckDB allows one writing process per file. Wait for that run to finish "
            f"(or stop it: kill {holder.pid if holder.pid else '<pid>'}) and retry, raise the deadline, "
            f"or read the published view (`pbw sql` without --warehouse; README.md, 'Querying')."
        )


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc)
    return any(marker in text for marker in _LOCK_MARKERS)


def _proc_cmdline(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    command = raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()
    return command[:200] or None


def _holder_from_proc(path: Path) -> LockHolder:
    """Scan /proc for a process with the file open (used when DuckDB's message names no pid)."""
    target = str(path.resolve())
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == target:
                    pid = int(entry.name)
                    return LockHolder(pid, _proc_cmdline(pid))
            except OSError:
                continue
    return LockHolder(None, None)


def lock_holder(error_text: str, path: Path) -> LockHolder:
    """Who holds the lock: DuckDB's message when it names a pid, else /proc."""
    match = _HOLDER.search(error_text)
    if match is None:
        return _holder_from_proc(path)
    pid = int(match.group("pid"))
    return LockHolder(pid, _proc_cmdline(pid) or match.group("command"))


def say_on_stderr(message: str) -> None:
    """The default `on_wait`: the terminal (the real stderr, which a Dagster step does not capture)."""
    print(message, file=sys.__stderr__, flush=True)


def _connect(
    path: Path, read_only: bool, deadline_s: float, config: DuckDBConfig,
    on_wait: Callable[[str], None] = say_on_stderr,
) -> duckdb.DuckDBPyConnection:
    start = time.monotonic()
    delay = 0.02
    told = False
    while True:
        try:
            return quiet(duckdb.connect(str(path), read_only=read_only, config=config))
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            if not told:  # say at once who holds the file, not only when the deadline has passed
                holder = lock_holder(str(exc), path)
                on_wait(f"waiting for {path}: locked by {holder.describe()}; "
                        f"waiting up to {deadline_s:.0f} s")
                told = True
            waited = time.monotonic() - start
            if waited >= deadline_s:
                raise WarehouseLockedError(path, waited, lock_holder(str(exc), path), read_only) from None
            time.sleep(min(delay * (0.5 + random.random()), max(deadline_s - waited, 0.0)))
            delay = min(delay * 2, 1.0)


def require_warehouse(target: Path) -> None:
    """FileNotFoundError naming the path and the variable when there is no warehouse file at `target`."""
    if not target.exists():
        variable = os.environ.get("PBW_WAREHOUSE", "<unset>")
        raise FileNotFoundError(
            f"no warehouse at {target.resolve()} (PBW_WAREHOUSE={variable}): "
            "run a load first (`pbw backfill`, `make demo`) or point PBW_WAREHOUSE at the file"
        )


@contextmanager
def writer(
    path: Path | str | None = None, deadline_s: float = DEFAULT_DEADLINE_S,
    on_wait: Callable[[str], None] = say_on_stderr, *, must_exist: bool = False,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writing connection, migrated to the latest schema, closed on exit; waits for the lock.

    `on_wait` hears once, at the first refusal, who holds the file and how long this will wait.
    `must_exist`: the month close and other commands that work on loaded data never create a warehouse
    (a mistyped PBW_WAREHOUSE would otherwise give an empty one and a green report).
    """
    target = Path(path) if path is not None else warehouse_path()
    if must_exist:
        require_warehouse(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(target, read_only=False, deadline_s=deadline_s, config=duckdb_config(), on_wait=on_wait)
    try:
        apply_migrations(con)
        yield con
    finally:
        con.close()


@contextmanager
def reader(
    path: Path | str | None = None, deadline_s: float = DEFAULT_DEADLINE_S, *, bounded: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; waits up to `deadline_s` while a writer holds the file.

    `bounded` gives it a load's memory limit instead of DuckDB's default: for reads inside a pipeline or
    benchmark process (a count(DISTINCT id) over 5M rows took 560 MB RSS unbounded, 200 MB bounded).
    """
    target = Path(path) if path is not None else warehouse_path()
    require_warehouse(target)
    con = _connect(target, read_only=True, deadline_s=deadline_s, config=duckdb_config(reader=not bounded))
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN; the block; COMMIT, or ROLLBACK on any exception: one place for every multi-statement write.

    A load's rows, its quarantine and its audit row commit together or not at all (a crash mid-load leaves
    the warehouse as it was).
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


class ArrowStream:
    """An object DuckDB reads through the Arrow C stream interface alone. DuckDB reads a polars frame it is
    given by converting it with pyarrow; wrapped, the frame's own stream is read and pyarrow (~30 MB of
    library, ~40 MB more while it writes) never loads in a daily run (benchmark B3)."""

    def __init__(self, frame: object) -> None:
        self._frame = frame

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._frame.__arrow_c_stream__(requested_schema)  # type: ignore[attr-defined]


@contextmanager
def registered(
    con: duckdb.DuckDBPyConnection, name: str, relation: object
) -> Iterator[duckdb.DuckDBPyConnection]:
    """`relation` (polars frame, Arrow table) visible to SQL as `name` for the block, unregistered after."""
    con.register(name, ArrowStream(relation) if hasattr(relation, "__arrow_c_stream__") else relation)
    try:
        yield con
    finally:
        con.unregister(name)

