"""The published view: incremental by partition, old generations readable, crash-safe at every step.

A small synthetic month (the B4 builder) in a real DuckDB file; loads replace a day through the real commit
path; crashes are real processes killed with SIGKILL, at a named step or at random moments.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from benchmarks.b4_warehouse import generate
from schemas.consumption_records import SPEC
from warehouse.connection import reader, writer
from warehouse.contract import LoadContext
from warehouse.publish import publish_changes
from warehouse.replace import replace_partitions

DOMAIN = "bench-domain"
TABLES = ("billing.consumption_records", "billing.monthly_bills", "audit.load_log", "billing.customers")


def checksums(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    out = {}
    for table in TABLES:
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        out[table] = con.execute(
            f"SELECT count(*), coalesce(sum(hash({', '.join(cols)})::HUGEINT), 0) FROM {table}").fetchone()
    return out


def view(root: Path) -> dict[str, Any]:
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        return checksums(con)
    finally:
        con.close()


def truth(path: Path) -> dict[str, Any]:
    with reader(path) as con:
        return checksums(con)


def reload_day(path: Path, day: str, factor: str) -> None:
    """A load that replaces one day with its own rows, amounts scaled (new contents, new load id)."""
    with writer(path) as con:
        scaled = "CAST(payment_amount * CAST($f AS INTEGER) AS DECIMAL(38,10)) AS payment_amount"
        rows = pl.DataFrame(con.sql(
            f"SELECT * REPLACE ({scaled}) FROM billing.consumption_records WHERE bill_date = $d::DATE",
            params={"f": factor, "d": day},
        ))
        replace_partitions(con, SPEC, [day], [rows], LoadContext.of(None, DOMAIN))


@pytest.fixture
def month(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    generate(path, 31_000, 50)
    with writer(path) as con:
        publish_changes(con, tmp_path / "published")
    return path


def test_a_daily_load_rewrites_only_its_day(month: Path, tmp_path: Path) -> None:
    root = tmp_path / "published"
    before = _files(root)
    reload_day(month, "2026-10-05", "2")
    with writer(month) as con:
        report = publish_changes(con, root)
    after = _files(root)
    changed = {k for k in after if before.get(k) != after[k]}
    assert {k for k in changed if k[0] == "billing.consumption_records"} == {
        ("billing.consumption_records", f"partner_domain_id={DOMAIN}/bill_date=2026-10-05")}
    assert "billing.monthly_bills" not in report.tables
    assert report.loads == 1
    assert view(root) == truth(month)


def test_a_reader_keeps_its_generation_until_it_is_old(
    month: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "published"
    held = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    seen = checksums(held)
    for factor in ("2", "3", "5", "7"):  # more loads than PBW_PUBLISHED_KEEP, all within the retention
        reload_day(month, "2026-10-05", factor)
        with writer(month) as con:
            publish_changes(con, root)
    assert checksums(held) == seen
    monkeypatch.setenv("PBW_PUBLISHED_RETAIN_HOURS", "0")
    reload_day(month, "2026-10-05", "11")
    with writer(month) as con:
        publish_changes(con, root)  # now only the newest 3 generations stay
    assert len(list((root / "catalogs").glob("*.duckdb"))) == 3
    with pytest.raises(duckdb.IOException):
        held.execute("SELECT sum(payment_amount) FROM billing.consumption_records").fetchall()
    held.close()
    assert view(root) == truth(month)


def _files(root: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    con = duckdb.connect(str(root / "catalog.duckdb"), read_only=True)
    try:
        out: dict[tuple[str, str], tuple[str, ...]] = {}
        for table, part, file in con.execute("SELECT * FROM published.files ORDER BY ALL").fetchall():
            out[(table, part)] = (*out.get((table, part), ()), file)
        return out
    finally:
        con.close()


PUBLISH = ("import sys; from pathlib import Path; from warehouse.connection import writer; "
           "from warehouse.publish import publish_changes\n"
           "with writer(sys.argv[1]) as con: publish_changes(con, Path(sys.argv[2]))")


@pytest.mark.parametrize("step", ["files_written", "before_switch"])
def test_sigkill_mid_publish_leaves_the_previous_view(month: Path, tmp_path: Path, step: str) -> None:
    root = tmp_path / "published"
    published = view(root)
    reload_day(month, "2026-10-05", "2")
    env = {**os.environ, "PBW_PUBLISH_PAUSE_AT": step}
    proc = subprocess.Popen([sys.executable, "-c", PUBLISH, str(month), str(root)], env=env,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert f"paused at {step}" in line, line
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stderr.close()
    assert view(root) == published  # the previous generation, whole
    with writer(month) as con:
        publish_changes(con, root)  # the next publish clears the leftovers and catches up
    assert view(root) == truth(month)
    assert not list(root.rglob("*.tmp"))


def test_random_sigkills_of_pbw_publish_never_show_a_torn_view(month: Path, tmp_path: Path) -> None:
    root = tmp_path / "published"
    env = {**os.environ, "PBW_WAREHOUSE": str(month), "PBW_PUBLISHED": str(root)}
    rng = random.Random(17)
    for trial in range(2):
        before = view(root)
        reload_day(month, f"2026-10-1{trial}", "3")
        after = truth(month)
        proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "publish"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(1.5, 3.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert view(root) in (before, after)
        with writer(month) as con:
            publish_changes(con, root)
        assert view(root) == after
