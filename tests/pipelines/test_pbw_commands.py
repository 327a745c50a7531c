"""`pbw backfill` end to end: runs through the Dagster instance in DAGSTER_HOME, two at once, and October."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pbw_expected as expected
import pytest
from conftest import SandboxFactory
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from pbw_harness import Harness

from sandbox.exports import export_incentives

TODAY = date(2026, 11, 24)
SHM = Path("/dev/shm")
LOCK_ERRORS = ("WarehouseLockedError", "Could not set lock", "Conflicting lock", "database is locked")


@pytest.fixture
def dagster_home(tmp_path: Path) -> Iterator[Path]:
    """DAGSTER_HOME on tmpfs when there is one: Dagster's SQLite event log commits every event, and on a
    disk with slow fsync that alone doubles a run's time. The warehouse stays in tmp_path."""
    if not SHM.is_dir():
        yield tmp_path / "dagster-home"
        return
    home = Path(tempfile.mkdtemp(prefix="pbw-dagster-", dir=SHM))
    yield home
    shutil.rmtree(home, ignore_errors=True)


def _env(box_url: str, tmp: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PBW_", "HUAWEICLOUD_", "DAGSTER_"))}
    env.update(PBW_ENDPOINT=box_url, PBW_WAREHOUSE=str(tmp / "warehouse.duckdb"),
               PBW_INBOX=str(tmp / "inbox"), DAGSTER_HOME=str(home), PBW_RATE_LIMIT="10",
               PBW_TODAY=TODAY.isoformat())
    return env


def _pbw(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pipelines.cli", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_backfills_at_once_share_pools_and_rate(sandbox_factory: SandboxFactory, tmp_path: Path,
                                                     dagster_home: Path) -> None:
    box = sandbox_factory(customers=8, today=TODAY, rate_limit=10, seed=3)
    env = _env(box.url, tmp_path, dagster_home)
    first = _pbw(env, "backfill", "--from", "2026-10-01", "--to", "2026-10-08")
    second = _pbw(env, "backfill", "--from", "2026-10-05", "--to", "2026-10-12")
    outputs = [p.communicate(timeout=240) for p in (first, second)]
    for proc, (out, err) in zip((first, second), outputs, strict=True):
        assert proc.returncode == 0, out + err
        for marker in LOCK_ERRORS:
            assert marker not in out + err
    stats = httpx.get(f"{box.url}/_sandbox/stats").json()
    assert stats["max_rps"], stats
    # both processes draw on one budget of 10 requests/s per API: the gateway throttled nothing, and no 1 s
    # window at the sandbox held more than 10 requests, give or take the one that a late arrival (a busy
    # machine) moves into the next window. Two budgets would send ~20/s and be throttled.
    assert sum(stats["throttled"].values()) == 0, stats["throttled"]
    assert max(stats["max_rps"].values()) <= 11, stats["max_rps"]
    h = Harness(box, tmp_path)
    want = expected.consumption(box, date(2026, 10, 1), date(2026, 10, 12))
    rows = h.query("SELECT bill_date, count(*), sum(payment_amount), count(DISTINCT id) "
                   "FROM billing.consumption_records GROUP BY 1")
    assert {d: (n, total) for d, n, total, _ in rows} == want
    assert all(n == distinct for _, n, _, distinct in rows)
    instance = DagsterInstance.from_config(env["DAGSTER_HOME"])
    runs = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.SUCCESS]))
    assert len(runs) == 4
    instance.dispose()


def test_backfill_october_fills_every_table(sandbox_factory: SandboxFactory, tmp_path: Path,
                                            dagster_home: Path) -> None:
    box = sandbox_factory(customers=6, today=TODAY, rate_limit=None, seed=42)
    env = _env(box.url, tmp_path, dagster_home)
    proc = _pbw(env, "backfill", "--from", "2026-10-01", "--to", "2026-10-31")
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, out + err
    assert "31" in out
    (tmp_path / "inbox").mkdir()
    export_incentives(box.app.world, "2026-10", tmp_path / "inbox" / "incentives-2026-10.xlsx")
    loaded = _pbw(env, "load", "inbox")
    out, err = loaded.communicate(timeout=120)
    assert loaded.returncode == 0, out + err
    h = Harness(box, tmp_path)
    want = expected.consumption(box, date(2026, 10, 1), date(2026, 10, 31))
    got = h.query("SELECT bill_date, count(*), sum(payment_amount) FROM billing.consumption_records "
                  "GROUP BY 1")
    assert {d: (n, total) for d, n, total in got} == want
    tx = expected.transactions(box, date(2026, 10, 1), date(2026, 10, 31))
    got_tx = h.query("SELECT trade_date, count(*), sum(change_amount) FROM billing.account_transactions "
                     "GROUP BY 1")
    assert {d: (n, total) for d, n, total in got_tx} == tx
    assert h.query("SELECT count(*), sum(amount) FROM billing.monthly_bills WHERE cycle = '2026-10'") == [
        expected.bills(box, "2026-10")
    ]
    for table in ("billing.customers", "billing.incentive_records", "billing.monthly_bill_account_details"):
        assert h.query(f"SELECT count(*) > 0 FROM {table}") == [(True,)], table
    assert h.query("SELECT count(*) FROM audit.quarantine") == [(0,)]
    assert list((tmp_path / "inbox" / "archive").glob("*/incentives-2026-10.xlsx"))
