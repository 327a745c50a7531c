"""The memory limit of a load's DuckDB connections: bounded by default, still able to bulk insert wide rows.

DuckDB's default limit is 80% of the machine and its buffer pool fills towards it (benchmark B3: a 1M-record
load near 900 MB RSS); loads get a limit per thread, readers keep DuckDB's default unless told otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from wh_helpers import memory_warehouse

from schemas import consumption_records
from warehouse.connection import (
    LOAD_MEMORY_PER_THREAD_MB,
    MEMORY_LIMIT_ENV,
    THREADS_ENV,
    duckdb_config,
    load_memory_limit,
    reader,
    transaction,
    writer,
)
from warehouse.contract import StagedRows
from warehouse.parse import PageParser
from warehouse.replace import insert_staged, one_thread


def memory_limit_text(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def reference_limit(limit: str | None) -> str:
    """How DuckDB shows `limit` (None: its own default) on a plain connection."""
    con = duckdb.connect(":memory:", config={"memory_limit": limit} if limit else {})
    try:
        return memory_limit_text(con)
    finally:
        con.close()


@pytest.fixture(autouse=True)
def _no_tuning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.delenv(THREADS_ENV, raising=False)


def test_load_limit_follows_the_threads() -> None:
    cores = os.cpu_count() or 1
    assert load_memory_limit() == f"{LOAD_MEMORY_PER_THREAD_MB * cores}MB"
    assert load_memory_limit(3) == f"{LOAD_MEMORY_PER_THREAD_MB * 3}MB"


def test_writers_parsers_and_memory_warehouses_get_the_load_limit_readers_duckdbs(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    load = reference_limit(load_memory_limit())
    assert load != reference_limit(None)
    with writer(path) as con:
        assert memory_limit_text(con) == load
    with reader(path) as con:
        assert memory_limit_text(con) == reference_limit(None)
    with reader(path, bounded=True) as con:
        assert memory_limit_text(con) == load
    with PageParser(consumption_records.SPEC) as parser:  # one DuckDB thread, so one thread's limit
        assert memory_limit_text(parser.con) == reference_limit(load_memory_limit(1))
        assert parser.con.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
    con = memory_warehouse()
    try:
        assert memory_limit_text(con) == load
    finally:
        con.close()


def test_the_environment_sets_every_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "300MB")
    monkeypatch.setenv(THREADS_ENV, "1")
    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        assert memory_limit_text(con) == reference_limit("300MB")
        assert con.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
    with reader(path) as con:
        assert memory_limit_text(con) == reference_limit("300MB")


def test_threads_alone_scale_the_load_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "3")
    assert duckdb_config() == {"threads": "3", "memory_limit": f"{3 * LOAD_MEMORY_PER_THREAD_MB}MB"}
    assert duckdb_config(reader=True) == {"threads": "3"}


@pytest.mark.parametrize("threads", ["0", "two", "-1"])
def test_bad_thread_counts_are_refused(monkeypatch: pytest.MonkeyPatch, threads: str) -> None:
    monkeypatch.setenv(THREADS_ENV, threads)
    with pytest.raises(ValueError, match=THREADS_ENV):
        duckdb_config()


BULK_INSERT = """
import re, sys
from pathlib import Path
from warehouse.connection import writer
with writer(sys.argv[1]) as con:
    con.execute("CREATE TABLE t (id VARCHAR, amount DECIMAL(38,10), note VARCHAR)")
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO t SELECT * FROM read_parquet($p)", {"p": sys.argv[2]})
    con.execute("COMMIT")
    rows, total = con.execute("SELECT count(*), sum(amount)::VARCHAR FROM t").fetchall()[0]
peak_kb = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
print(rows, total, int(peak_kb) // 1024)
"""


def bulk_insert(tmp_path: Path, name: str, staged: Path, env: dict[str, str]) -> tuple[int, str, int]:
    """Insert `staged` in one transaction in a new process: row count, amount total, peak RSS (MB)."""
    done = subprocess.run(
        [sys.executable, "-c", BULK_INSERT, str(tmp_path / f"{name}.duckdb"), str(staged)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows, total, peak = done.stdout.split()
    return int(rows), total, int(peak)


@pytest.mark.xdist_group("memory")
def test_a_wide_bulk_insert_fits_the_load_limit_and_needs_far_less_memory(tmp_path: Path) -> None:
    """600k rows of ~250 bytes in one transaction: the row groups DuckDB buffers per thread fit the limit."""
    staged = tmp_path / "rows.parquet"
    duckdb.sql(
        "COPY (SELECT md5(i::VARCHAR) AS id, (i % 1000)::DECIMAL(38,10) / 100 AS amount, "
        "repeat(chr(65 + (i % 26)::INTEGER), 200) || i::VARCHAR AS note FROM range(600000) r(i)) "
        f"TO '{staged}' (FORMAT parquet)"
    )
    base = {k: v for k, v in os.environ.items() if k not in (MEMORY_LIMIT_ENV, THREADS_ENV)}
    base["PYTHONPATH"] = str(Path(__file__).resolve().parents[2]) + os.pathsep + base.get("PYTHONPATH", "")
    expected_total = sum(i % 1000 for i in range(600000)) / 100
    limited = bulk_insert(tmp_path, "limited", staged, base)
    unlimited = bulk_insert(tmp_path, "unlimited", staged, {**base, MEMORY_LIMIT_ENV: "8GB"})
    for rows, total, _ in (limited, unlimited):
        assert rows == 600000
        assert total == f"{expected_total:.10f}"
    # measured 190 MB vs 340 MB: the limit, not the data, bounds the insert's memory
    assert limited[2] < unlimited[2] - 80, (limited, unlimited)


@pytest.mark.xdist_group("memory")
def test_the_staged_insert_runs_on_one_threads_memory_and_gives_the_settings_back(tmp_path: Path) -> None:
    """The commit's INSERT of staged parts: one DuckDB thread and its 64 MB hold 600k wide rows (~150 MB)
    in one transaction; the writer's own threads and limit are back afterwards."""
    staged = tmp_path / "rows"  # a folder of parts, as `stage_batches` writes it
    staged.mkdir()
    duckdb.sql(
        "COPY (SELECT md5(i::VARCHAR) AS id, (i % 1000)::DECIMAL(38,10) / 100 AS amount, "
        "repeat(chr(65 + (i % 26)::INTEGER), 200) || i::VARCHAR AS note FROM range(600000) r(i)) "
        f"TO '{staged / 'part-000000000000.parquet'}' (FORMAT parquet)"
    )
    with writer(tmp_path / "w.duckdb") as con:
        con.execute("CREATE TABLE t (id VARCHAR, amount DECIMAL(38,10), note VARCHAR)")
        con.execute("SET threads = 2")
        before = con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchall()
        with transaction(con):
            assert insert_staged(con, "t", StagedRows(staged, 600000)) == 600000
        rows, total = con.execute("SELECT count(*), sum(amount)::VARCHAR FROM t").fetchall()[0]
        after = con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchall()
    assert rows == 600000
    assert total == f"{sum(i % 1000 for i in range(600000)) / 100:.10f}"
    assert before[0][0] == 2
    assert after == before


def test_one_thread_sets_one_threads_limit_for_the_block_only() -> None:
    con = duckdb.connect(":memory:", config={"threads": "2", "memory_limit": "300MB"})
    settings = "SELECT current_setting('threads'), current_setting('memory_limit')"
    try:
        with one_thread(con):
            inside = con.execute(settings).fetchall()
        after = con.execute(settings).fetchall()
    finally:
        con.close()
    assert inside == [(1, reference_limit(load_memory_limit(1)))]
    # DuckDB shows the limit rounded to 0.1 MiB, and that text is what is set back
    assert after[0][0] == 2
    assert abs(float(after[0][1].split()[0]) - float(reference_limit("300MB").split()[0])) < 0.11
