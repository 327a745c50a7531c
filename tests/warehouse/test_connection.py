"""Migrations applied once and recorded; a second writer gets a clear lock message within its deadline."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from warehouse.connection import WarehouseLockedError, reader, writer
from warehouse.migrate import MIGRATIONS_DIR, MigrationError, apply_migrations, discover

HOLDER = """
import sys, time
from warehouse.connection import writer
with writer(sys.argv[1]) as con:
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@contextmanager
def held_warehouse(path: Path, seconds: str) -> Iterator[subprocess.Popen[str]]:
    """A migrated warehouse at `path` whose write lock another process holds for `seconds`; killed on exit."""
    with writer(path):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), seconds], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        holder.kill()
        holder.communicate()  # waits, and closes its stdout


def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        ledger = con.execute("SELECT version, name FROM audit.schema_migrations ORDER BY version").fetchall()
        assert apply_migrations(con) == []
    expected = [(m.version, m.name) for m in discover()]
    assert ledger == expected
    assert [v for v, _ in ledger if v < 100] == [1, 2, 3, 4, 5, 20, 30, 90]
    with writer(path) as con:
        assert con.execute("SELECT count(*) FROM audit.schema_migrations").fetchall() == [(len(expected),)]


def test_an_edited_applied_migration_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for m in discover(MIGRATIONS_DIR):
        if m.version <= 4:
            (folder / m.name).write_text(m.text)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert len(apply_migrations(con, folder)) == 4
    (folder / "005_add_thing.sql").write_text("CREATE TABLE billing.thing (a INTEGER);")
    assert apply_migrations(con, folder) == ["005_add_thing.sql"]
    (folder / "005_add_thing.sql").write_text("CREATE TABLE billing.thing (a BIGINT);")
    with pytest.raises(MigrationError, match=r"005_add_thing\.sql changed after it was applied"):
        apply_migrations(con, folder)
    con.close()


def test_a_failing_migration_leaves_nothing_half_applied(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_ok.sql").write_text(
        "CREATE SCHEMA IF NOT EXISTS billing; CREATE TABLE billing.a (x INTEGER);"
    )
    (folder / "002_broken.sql").write_text(
        "CREATE TABLE billing.b (x INTEGER); CREATE TABLE nope.c (x INTEGER);"
    )
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    with pytest.raises(duckdb.Error):
        apply_migrations(con, folder)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "a" in tables
    assert "b" not in tables
    assert con.execute("SELECT version FROM audit.schema_migrations").fetchall() == [(1,)]
    con.close()


@pytest.mark.xdist_group("lock")
def test_second_writer_gets_a_clear_lock_message_within_the_deadline(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    heard: list[tuple[float, str]] = []
    with held_warehouse(path, "20") as holder:
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError) as caught, writer(
            path, deadline_s=1.5, on_wait=lambda m: heard.append((time.monotonic() - started, m))
        ):
            pass
        waited = time.monotonic() - started
        with pytest.raises(WarehouseLockedError) as caught_reader, reader(path, deadline_s=0.3):
            pass
    assert 1.5 <= waited < 3.5
    message = str(caught.value)
    assert f"process {holder.pid}" in message
    assert "python" in message.lower()
    assert "one writing process per file" in message
    assert f"kill {holder.pid}" in message
    assert caught.value.holder.pid == holder.pid
    # the wait was announced once, at once, naming the holder and the deadline
    assert len(heard) == 1
    assert heard[0][0] < 1.0
    assert f"process {holder.pid}" in heard[0][1]
    assert "waiting up to 2 s" in heard[0][1]
    assert str(caught_reader.value).startswith(f"cannot read {path}")
    # once the holder is gone the file opens again and its contents are intact
    with reader(path) as con:
        assert con.execute("SELECT count(*) FROM audit.schema_migrations").fetchall()[0][0] >= 3


@pytest.mark.xdist_group("lock")
def test_writer_waits_for_a_short_holder_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with held_warehouse(path, "0.8"), writer(path, deadline_s=15) as con:
        assert con.execute("SELECT 42").fetchall() == [(42,)]


def test_reader_of_a_missing_warehouse_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no warehouse at"), reader(tmp_path / "absent.duckdb"):
        pass
