"""The Dagster instance the CLI launches into: `DAGSTER_HOME`, else the project's `.dagster-home`.

The instance's settings live in `config/dagster.yaml`, linked into each home: a dagster.yaml in the
checkout's root made Dagster warn at every start that it is not the one DAGSTER_HOME uses.

Runs launched by `pbw` land in the same instance `make dev` shows, so they appear in the UI.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path
from typing import Any

from dagster import AssetKey, DagsterInstance
from sqlalchemy import event
from sqlalchemy.engine import Engine

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "dagster.yaml"
DEFAULT_HOME = ".dagster-home"


def dagster_home() -> Path:
    """The instance folder; one without a dagster.yaml gets a link to the project's, so edits apply."""
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() and PROJECT_CONFIG.exists():
        config.unlink(missing_ok=True)  # a link to the file's old place (the checkout's root) is dangling
        config.symlink_to(PROJECT_CONFIG)
    return home


def _sqlite_without_fsync_per_commit(dbapi_connection: Any, _record: Any) -> None:
    """Dagster's SQLite files commit with synchronous=FULL, some in rollback-journal mode: every event of a
    run costs fsyncs (about 6 ms each here; a 31-day partition range logs ~100 events, 1-2 s per run,
    benchmark B1). In WAL mode with synchronous=NORMAL a crash of the process loses nothing and the file
    never corrupts; a power cut may lose the last events of the run log, never warehouse data."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def relax_sqlite_sync() -> None:
    """Install `_sqlite_without_fsync_per_commit` on every new SQLAlchemy connection (once per process)."""
    if not event.contains(Engine, "connect", _sqlite_without_fsync_per_commit):
        event.listen(Engine, "connect", _sqlite_without_fsync_per_commit)


def get_instance() -> DagsterInstance:
    """The persistent instance at `dagster_home()` (pools, run storage and retries per dagster.yaml).

    Two `pbw` processes opening a new home at once would both create its SQLite tables and one would
    fail ("table ... already exists"), so the first touch of each storage happens under a file lock.
    """
    home = dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    relax_sqlite_sync()
    with (home / ".pbw-init.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            instance = DagsterInstance.get()
            instance.get_runs(limit=1)
            instance.get_latest_materialization_event(AssetKey("customers"))
            instance.event_log_storage.get_pool_limits()
            instance.all_instigator_state()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return instance
