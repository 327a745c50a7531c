"""`pbw run` sweeps its APIs at once (one run per API, each in its own process) while the pools of
dagster.yaml still hold: one DuckDB writer at a time, never more than the rate limit per API."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pbw_expected as expected
import pytest
from conftest import SandboxFactory
from dagster import DagsterEventType, DagsterInstance

from pipelines.commands import one_run_per_api, plan_daily, run_title
from pipelines.jobs import DAILY_ASSETS
from sandbox.server import RunningSandbox
from warehouse.connection import reader

TODAY = date(2026, 11, 24)
DAY, BEGIN = date(2026, 11, 23), date(2026, 11, 20)
RATE = 5
"""Requests/s per API, on both sides: 40 customers then take ~8 s of fee-record calls, long enough for
the other sweeps to start while that one still runs, even when step processes start slowly."""
STEP_EVENTS = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
SUMMARY_RUN = re.compile(r"^run (\S+) (\S+) (\S+): (success|FAILURE) in", re.MULTILINE)
RUNS = ["bills_job", "daily_job[account_transactions]", "daily_job[consumption_records]",
        "daily_job[customers]", "daily_job[resellers]"]

Window = tuple[datetime, datetime]


@pytest.fixture
def dagster_home() -> Iterator[Path]:
    """On tmpfs when there is one: Dagster's SQLite event log commits every event (see test_pbw_commands)."""
    shm = Path("/dev/shm")
    home = Path(tempfile.mkdtemp(prefix="pbw-dagster-", dir=shm if shm.is_dir() else None))
    yield home
    shutil.rmtree(home, ignore_errors=True)


def pbw_run(box: RunningSandbox, tmp: Path, home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """`pbw run --date D --lookback 3` as an operator starts it, against `box`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PBW_", "HUAWEICLOUD_", "DAGSTER_"))}
    env.update(PBW_ENDPOINT=box.url, PBW_WAREHOUSE=str(tmp / "warehouse.duckdb"),
               PBW_INBOX=str(tmp / "inbox"), DAGSTER_HOME=str(home), PBW_RATE_LIMIT=str(RATE),
               PBW_TODAY=TODAY.isoformat(), **extra)
    argv = [sys.executable, "-m", "pipelines.cli", "run", "--date", DAY.isoformat(), "--lookback", "3"]
    return subprocess.run(argv, env=env, text=True, capture_output=True, timeout=280, check=False)


def overlap(a: Window, b: Window) -> bool:
    return max(a[0], b[0]) < min(a[1], b[1])


def step_windows(home: Path, run_ids: list[str]) -> dict[str, Window]:
    """From the runs' event logs: when each step started and when it ended (`run_id/step_key`)."""
    instance = DagsterInstance.from_config(str(home))
    try:
        times: dict[str, list[float]] = {}
        for run_id in run_ids:
            for record in instance.get_records_for_run(run_id, of_type=STEP_EVENTS, limit=1000).records:
                times.setdefault(f"{run_id}/{record.event_log_entry.step_key}", []).append(record.timestamp)
    finally:
        instance.dispose()
    return {k: (datetime.fromtimestamp(min(v)), datetime.fromtimestamp(max(v))) for k, v in times.items()}


def checks_evaluated(home: Path, run_ids: list[str]) -> set[tuple[str, str]]:
    """(asset, check) of every check evaluation in the runs."""
    instance = DagsterInstance.from_config(str(home))
    try:
        found: set[tuple[str, str]] = set()
        for run_id in run_ids:
            records = instance.get_records_for_run(
                run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=1000).records
            for record in records:
                data = record.event_log_entry.dagster_event.event_specific_data  # type: ignore[union-attr]
                found.add((data.asset_key.to_user_string(), data.check_name))  # type: ignore[union-attr]
    finally:
        instance.dispose()
    return found


def test_pbw_run_sweeps_the_apis_at_once_and_loads_one_at_a_time(
    sandbox_factory: SandboxFactory, tmp_path: Path, dagster_home: Path
) -> None:
    box = sandbox_factory(customers=40, today=TODAY, rate_limit=RATE, seed=5)
    done = pbw_run(box, tmp_path, dagster_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5/5" in done.stdout
    assert "FAILED" not in done.stdout
    runs = {job: (run_id, state) for run_id, job, _, state in SUMMARY_RUN.findall(done.stdout)}
    assert sorted(runs) == RUNS
    assert {state for _, state in runs.values()} == {"success"}

    with reader(tmp_path / "warehouse.duckdb") as con:
        sweeps = {d: (start, end) for d, start, end in con.execute(
            "SELECT dataset, min(started_at_utc), max(finished_at_utc) FROM audit.api_sweeps "
            "WHERE dataset IN ('customers', 'consumption_records', 'account_transactions', 'monthly_bills') "
            "GROUP BY 1"
        ).fetchall()}
        loaded = dict(con.execute(
            "SELECT 'consumption_records', count(*) FROM billing.consumption_records "
            "UNION ALL SELECT 'account_transactions', count(*) FROM billing.account_transactions "
            "UNION ALL SELECT 'customers', count(*) FROM billing.customers "
            "UNION ALL SELECT 'monthly_bills', count(*) FROM billing.monthly_bills").fetchall())
    # No API waited for the long fee-record sweep (one after another, two would start after it ends;
    # whether the short ones overlap it depends on how fast the four processes start).
    fee_sweeps, others = sweeps.pop("consumption_records"), list(sweeps.values())
    assert len(others) == 3, sweeps
    assert all(start < fee_sweeps[1] for start, _ in others), (fee_sweeps, sweeps)

    # The summary reports what reached the warehouse, and that is what the sandbox holds.
    summary = dict(re.findall(r"^(\w+)\s+(\d+)\s+0$", done.stdout, re.MULTILINE))
    assert summary.pop("consumption_resweeps") == "0"  # no bill of an ended month changed
    assert int(summary.pop("resellers")) > 0  # the distributor's resellers and their balances, quotas, ...
    assert {k: int(v) for k, v in summary.items()} == loaded
    twin = sandbox_factory(customers=40, today=TODAY, rate_limit=None, seed=5)  # same world, no limit
    fees, changes = expected.consumption(twin, BEGIN, DAY), expected.transactions(twin, BEGIN, DAY)
    assert loaded["consumption_records"] == sum(n for n, _ in fees.values())
    assert loaded["account_transactions"] == sum(n for n, _ in changes.values())
    assert loaded["customers"] == len(expected.customers(twin))
    assert loaded["monthly_bills"] == expected.bills(twin, "2026-10")[0] + expected.bills(twin, "2026-11")[0]

    # Pools: the load steps (four runs; the bills run also its re-sweep's) held `duckdb_writer` one after
    # another; the API limit held.
    steps = step_windows(dagster_home, [run_id for run_id, _ in runs.values()])
    loads = sorted(w for key, w in steps.items() if ".load_" in key)
    assert len(loads) == 6, steps
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(loads)), loads
    # Each run judged its own load; freshness (yesterday loaded?) runs on its own schedule, not here.
    judged = {(a, c) for a in (*DAILY_ASSETS, "monthly_bills") for c in ("validation", "completeness")}
    judged.add(("monthly_bills", "restatement"))
    assert checks_evaluated(dagster_home, [run_id for run_id, _ in runs.values()]) == judged
    stats = httpx.get(f"{box.url}/_sandbox/stats").json()
    assert sum(stats["requests"].values()) > 40
    assert stats["throttled"] == {}, stats


def test_pbw_run_exits_1_and_names_the_failed_runs(
    sandbox_factory: SandboxFactory, tmp_path: Path, dagster_home: Path
) -> None:
    box = sandbox_factory(customers=4, today=TODAY, rate_limit=None, seed=5)
    done = pbw_run(box, tmp_path, dagster_home, HUAWEICLOUD_SDK_AK=box.ak, HUAWEICLOUD_SDK_SK="not-the-sk",
                   HUAWEICLOUD_SDK_DOMAIN_ID=box.domain_id)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.count("FAILED") == 5
    assert sorted((job, state) for _, job, _, state in SUMMARY_RUN.findall(done.stdout)) == [
        (job, "FAILURE") for job in RUNS]
    assert "not-the-sk" not in done.stdout + done.stderr


def test_run_plan_has_one_run_per_api_over_the_schedules_ranges() -> None:
    split = one_run_per_api(plan_daily(DAY, 3))
    daily = [("daily_job", (asset,), "2026-11-20", "2026-11-23") for asset in DAILY_ASSETS]
    assert sorted((r.job, r.assets, r.first, r.last) for r in split) == sorted(
        [*daily, ("bills_job", ("monthly_bills", "consumption_resweeps"), "2026-10", "2026-11")]
    )
    days = "2026-11-20..2026-11-23"
    assert sorted(run_title(r) for r in split) == [
        "bills_job 2026-10..2026-11", *(f"daily_job[{a}] {days}" for a in sorted(DAILY_ASSETS))
    ]
