"""The Dagster instance the CLI launches into: `DAGSTER_HOME`, else the project's `.dagster-home`.

The instance's settings live in `config/dagster.yaml`, linked into each home: a dagster.yaml in the
checkout's root made Dagster warn at every start that it is not the one DAGSTER_HOME uses. With
`PBW_DAGSTER_PG_URL` set the home links `config/dagster-postgres.yaml` instead: run, event-log and schedule
storage on that PostgreSQL database (the URL is read from the environment, never written to a file). A
dagster.yaml of the operator's own (a file, not our link) is left as it is.

Runs launched by `pbw` land in the same instance `make dev` shows, so they appear in the UI.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path
from typing import Any

from dagster import AssetKey, DagsterInstance
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
PROJECT_CONFIG = CONFIG_DIR / "dagster.yaml"
POSTGRES_CONFIG = CONFIG_DIR / "dagster-postgres.yaml"
PG_URL_VAR = "PBW_DAGSTER_PG_URL"
PG_SCHEME = "postgresql+psycopg2"
DEFAULT_HOME = ".dagster-home"
PG_CONNECT_TIMEOUT_S = 5


class InstanceConfigError(RuntimeError):
    """The Dagster instance cannot be set up as the environment asks; the message names cause and fix."""


def postgres_url() -> str | None:
    """`PBW_DAGSTER_PG_URL` when set (checked to be a postgresql:// URL), else None: SQLite in the home."""
    url = os.environ.get(PG_URL_VAR, "").strip()
    if not url:
        return None
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme != PG_SCHEME:
        # the URL itself may hold a password: only its scheme is named. SQLAlchemy 2.1 reads a plain
        # postgresql:// as psycopg 3, which is not installed; dagster-postgres brings psycopg2.
        raise InstanceConfigError(
            f"{PG_URL_VAR} must look like {PG_SCHEME}://USER@HOST:5432/DB (password in PGPASSWORD), "
            f"its scheme is {scheme or 'missing'!r}: fix it, or unset it for SQLite in DAGSTER_HOME"
        )
    return url


def instance_config() -> Path:
    """The instance settings the environment asks for: PostgreSQL storage or the SQLite default."""
    return POSTGRES_CONFIG if postgres_url() else PROJECT_CONFIG


def dagster_home() -> Path:
    """The instance folder; one without a dagster.yaml gets a link to the project's, so edits apply.

    A link of ours pointing at the other kind of storage (PostgreSQL set or unset since) is re-pointed.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = instance_config()
    linked = Path(os.readlink(config)).name if config.is_symlink() else None
    other = {PROJECT_CONFIG.name, POSTGRES_CONFIG.name} - {wanted.name}
    # a link to the file's old place (the checkout's root) is dangling: replaced too
    if wanted.exists() and (not config.exists() or linked in other):
        fresh = home / f".dagster.yaml.{os.getpid()}"
        fresh.unlink(missing_ok=True)
        fresh.symlink_to(wanted)
        fresh.replace(config)  # atomic: another process starting at once sees the old link or the new
    return home


def check_postgres_reachable(url: str) -> None:
    """Fail fast in one line when the database cannot be reached (Dagster would retry and log 5 times)."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError as exc:
        raise InstanceConfigError(f"{PG_URL_VAR} is not a valid URL: fix it") from exc
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S})
    try:
        with engine.connect():
            pass
    except Exception as exc:
        root: BaseException = exc
        while root.__cause__ is not None:
            root = root.__cause__
        cause = str(getattr(exc, "orig", None) or root).strip().splitlines()[0]
        raise InstanceConfigError(
            f"Dagster's PostgreSQL storage {shown} is unreachable ({cause}): start the server, or fix "
            f"{PG_URL_VAR} / PGPASSWORD, or unset {PG_URL_VAR} for SQLite in DAGSTER_HOME"
        ) from None
    finally:
        engine.dispose()


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
    """The persistent instance at `dagster_home()` (pools, run storage and retries per dagster.yaml, or
    per dagster-postgres.yaml when `PBW_DAGSTER_PG_URL` is set).

    Two `pbw` processes opening a new home at once would both create its SQLite tables and one would
    fail ("table ... already exists"), so the first touch of each storage happens under a file lock.
    """
    home = dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    url = postgres_url()
    if url and (home / "dagster.yaml").resolve() == POSTGRES_CONFIG:
        check_postgres_reachable(url)
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
