"""Issue 13 "Done when": `pbw backfill` SIGKILLed at 10 random (seeded) moments, each followed by a rerun that
finishes, says which dead run it recovered, matches a clean run's tables, leaves no spool or temp folder."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from sandbox.server import RunningSandbox
from tests.warehouse.wh_helpers import table_checksum

TODAY = "2026-11-24"
BACKFILL = ("backfill", "--from", "2026-10-01", "--to", "2026-10-10")
TRIALS = int(os.environ.get("PBW_KILL_TRIALS", "10"))
"""Issue 13 asks for 10 (~9 s CPU a trial: ~100 s on an idle machine); fewer for a quick local look."""
TABLES = (
    "billing.customers",
    "billing.consumption_records",
    "billing.account_transactions",
    "billing.monthly_bills",
    "billing.monthly_bill_account_details",
    "billing.monthly_bill_versions",
    "audit.quarantine",
)
RECOVERED = "marked failed and its pool slots freed"
SHM = Path("/dev/shm")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # ~100 s idle; a busy shared machine is slower


@pytest.fixture
def homes() -> Iterator[Path]:
    """Dagster homes on tmpfs when there is one (Dagster's SQLite event log fsyncs every event)."""
    root = Path(tempfile.mkdtemp(prefix="pbw-kill-", dir=SHM if SHM.is_dir() else None))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def env_for(box: RunningSandbox, folder: Path, home: Path) -> dict[str, str]:
    """The pipeline's environment, its system temp dir private to the test (so leftovers are ours)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PBW_", "HUAWEICLOUD_", "DAGSTER_"))}
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        PBW_ENDPOINT=box.url,
        PBW_WAREHOUSE=str(folder / "warehouse.duckdb"),
        DAGSTER_HOME=str(home),
        PBW_INBOX=str(folder / "inbox"),
        PBW_TODAY=TODAY,
        PBW_START_DATE="2026-09-01",
        TMPDIR=str(folder / "tmp"),
        # the trials are about loads; the published view has its own kill tests (warehouse/test_publish.py)
        PBW_PUBLISHED="off",
    )
    return env


def pbw(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *BACKFILL],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def until_runs_start(proc: subprocess.Popen[str]) -> float:
    """Wait for the progress bar's first line ("0/N starting"): the kill moments fall inside the runs."""
    assert proc.stdout is not None
    while "starting" not in (line := proc.stdout.readline()):
        assert line, "pbw ended before its runs started"
    return time.monotonic()


def checksums(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out = {}
        for table in TABLES:
            schema, name = table.split(".")
            volatile = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = ? AND table_name = ?",
                    [schema, name],
                ).fetchall()
                if r[0].endswith("_utc") or r[0] == "load_id"
            ]
            out[table] = table_checksum(con, table, exclude=volatile)
        return out


def left_behind(folder: Path) -> list[str]:
    """Spool folders and `pbw-*` temporary folders still there."""
    spool = folder / "spool"
    found = [str(p) for p in spool.iterdir()] if spool.is_dir() else []
    return found + [str(p) for p in (folder / "tmp").glob("pbw-*")]


def started_runs(home: Path) -> int:
    instance = DagsterInstance.from_config(str(home))
    try:
        return len(
            instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING]))
        )
    finally:
        instance.dispose()


def test_sigkilled_backfills_rerun_to_the_clean_tables_without_leftovers(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path, homes: Path
) -> None:
    # a small world (4 direct customers, one reseller holding 2): a trial's cost is mostly the two processes'
    # start and Dagster's steps, not rows; the reseller keeps the per-holder sweeps in every run
    box = sandbox_factory(seed=21, customers=4, resellers=1, customers_per_reseller=2, rate_limit=None,
                          today=date.fromisoformat(TODAY))
    clean_dir = tmp_path / "clean"
    clean = pbw(env_for(box, clean_dir, homes / "clean"))
    begun = until_runs_start(clean)
    out, _ = clean.communicate(timeout=120)
    running = time.monotonic() - begun  # the runs' part of a backfill, after the interpreter's start
    assert clean.returncode == 0, out
    want = checksums(clean_dir / "warehouse.duckdb")
    assert left_behind(clean_dir) == []

    folder, home = tmp_path / "killed", homes / "killed"
    env = env_for(box, folder, home)
    moments = random.Random(13)
    recovered = 0
    for trial in range(TRIALS):
        victim = pbw(env)
        until_runs_start(victim)
        time.sleep(moments.uniform(0.0, running))
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=30)
        stuck = started_runs(home)
        rerun = pbw(env)
        out, _ = rerun.communicate(timeout=120)  # a jammed pool would hang here
        assert rerun.returncode == 0, f"trial {trial}: {out}"
        assert (RECOVERED in out) == (stuck > 0), f"trial {trial}: {stuck} run(s) left STARTED\n{out}"
        recovered += stuck > 0
        assert checksums(folder / "warehouse.duckdb") == want, f"trial {trial}"
        assert left_behind(folder) == [], f"trial {trial}"
    assert recovered >= TRIALS // 3  # most kills land inside a run (the rest before or after them)
