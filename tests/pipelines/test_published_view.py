"""Issue 17: analysts read the published view, so a reader never delays or fails a load.

Real parts: the sandbox over HTTP, real Dagster backfills into a real DuckDB file, the published catalog
opened read-only by a second connection held across a backfill.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines import resources
from sandbox.config import SandboxConfig
from sandbox.server import start_in_thread
from tests.pipelines.pbw_harness import Harness
from warehouse.connection import reader, writer

TODAY = date(2026, 11, 10)
CHECKED = ("billing.consumption_records", "billing.account_transactions", "billing.customers",
           "audit.load_log")


def checksums(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...] = CHECKED) -> dict[str, Any]:
    """Row count and an order-independent content hash of each table or view."""
    out = {}
    for table in tables:
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        out[table] = con.execute(
            f"SELECT count(*), coalesce(sum(hash({', '.join(cols)})::HUGEINT), 0) FROM {table}").fetchone()
    return out


@pytest.fixture(scope="module")
def box() -> Iterator[Any]:
    with start_in_thread(SandboxConfig(customers=8, today=TODAY, rate_limit=None, seed=17)) as running:
        yield running


def test_reader_holding_the_view_never_delays_a_backfill(
    box: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[str] = []
    monkeypatch.setattr(resources, "tell_waiting", waits.append)
    h = Harness(box, tmp_path, today=TODAY.isoformat())
    catalog = tmp_path / "published" / "catalog.duckdb"
    daily = ("customers", "consumption_records", "account_transactions")
    h.backfill(date(2026, 10, 1), date(2026, 10, 3), daily)  # first generation (every table)

    started = time.perf_counter()
    h.backfill(date(2026, 10, 4), date(2026, 10, 6), daily)
    alone = time.perf_counter() - started

    analyst = duckdb.connect(str(catalog), read_only=True)  # a notebook, held across the next backfill
    seen = checksums(analyst)
    days_sql = "SELECT count(DISTINCT bill_date) FROM billing.consumption_records"
    days_before = analyst.execute(days_sql).fetchone()
    started = time.perf_counter()
    h.backfill(date(2026, 10, 7), date(2026, 10, 9), daily)
    beside_reader = time.perf_counter() - started

    assert waits == [], "a load waited for the warehouse lock"
    assert beside_reader < 2 * alone + 5, (alone, beside_reader)
    # the held connection still reads its own generation, whole, although later ones replaced audit files
    assert checksums(analyst) == seen
    assert analyst.execute("SELECT count(*) FROM audit.api_sweeps").fetchone() is not None
    analyst.close()

    fresh = duckdb.connect(str(catalog), read_only=True)  # reconnecting sees the new days
    with reader(h.warehouse) as truth:
        assert checksums(fresh) == checksums(truth)
    assert fresh.execute(days_sql).fetchone() == (
        (days_before[0] if days_before else 0) + 3,)
    fresh.close()


def test_hive_tree_matches_the_view_and_spark_style_readers(box: Any, tmp_path: Path) -> None:
    h = Harness(box, tmp_path, today=TODAY.isoformat())
    h.backfill(date(2026, 10, 1), date(2026, 10, 4), ("customers", "consumption_records"))
    tree = tmp_path / "published" / "tables" / "billing" / "consumption_records"
    domains = [p.name for p in tree.iterdir()]
    assert len(domains) == 1
    assert domains[0].startswith("partner_domain_id=")
    days = sorted(p.name for p in (tree / domains[0]).iterdir())
    assert days == [f"bill_date=2026-10-0{d}" for d in range(1, 5)]
    assert all(len(list((tree / domains[0] / d).glob("*.parquet"))) == 1 for d in days)
    con = duckdb.connect()
    glob = str(tree / "**" / "*.parquet")
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning = true)")
    types = {r[0]: r[1] for r in described.fetchall()}
    assert types["payment_amount"] == "DECIMAL(38,10)"
    assert types["trade_time_utc"] == "TIMESTAMP"
    total = con.execute(f"SELECT count(*), sum(payment_amount) FROM read_parquet('{glob}', "
                        "hive_partitioning = true)").fetchone()
    with reader(h.warehouse) as truth:
        assert truth.execute(
            "SELECT count(*), sum(payment_amount) FROM billing.consumption_records").fetchone() == total


def test_pbw_sql_answers_while_a_writer_holds_the_warehouse(box: Any, tmp_path: Path) -> None:
    h = Harness(box, tmp_path, today=TODAY.isoformat())
    h.backfill(date(2026, 10, 1), date(2026, 10, 2), ("customers", "consumption_records"))
    with reader(h.warehouse) as truth:
        expected = truth.execute("SELECT count(*) FROM billing.consumption_records").fetchone()
    with writer(h.warehouse):  # this process holds the writer's lock; `pbw sql` runs in another process
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "sql", "--format", "csv", "--wait", "0",
             "SELECT count(*) AS n FROM billing.consumption_records"],
            capture_output=True, text=True, check=False, timeout=120,
            env={**os.environ, "PBW_WAREHOUSE": str(h.warehouse)},
        )
        took = time.perf_counter() - started
        on_the_file = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "sql", "--warehouse", str(h.warehouse), "--wait", "0",
             "SELECT 1"], capture_output=True, text=True, check=False, timeout=120)
    assert on_the_file.returncode == 3  # what the notebook used to meet
    assert "locked" in on_the_file.stderr
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["n", str(expected[0] if expected else 0)]
    assert took < 30, "pbw sql waited for the writer"
