"""Runs whose process died: marked failed, their pool slots freed, their spool folders removed.

`pbw run|backfill` execute runs in-process. A process killed mid-run (SIGKILL, OOM, a closed laptop) leaves
its run STARTED in Dagster's storage, still holding its pool slots (`duckdb_writer`, an API pool): every
later run then waits forever ("Step blocked by limit for pool duckdb_writer"). Each run launched by `pbw`
carries the pid and start time of its process in its tags, so the next `pbw` start can tell a live run
from a dead one without a daemon, and recover the dead ones.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

PID_TAG = "pbw/pid"
PID_START_TAG = "pbw/pid_started"
IN_PROGRESS = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


def process_started(pid: int) -> str | None:
    """The start time of process `pid` in clock ticks since boot (/proc), or None when there is none.

    With the pid alone a recycled pid would make a dead run look alive; pid and start time together do not.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22 of stat; fields after "comm)" start at 3


def process_tags() -> dict[str, str]:
    """Tags naming the process that executes a run (set by `pbw` on every run it launches)."""
    pid = os.getpid()
    return {PID_TAG: str(pid), PID_START_TAG: process_started(pid) or ""}


def is_dead(run: DagsterRun) -> bool:
    """A run launched by `pbw` whose process is gone; runs launched elsewhere are left to Dagster."""
    pid = run.tags.get(PID_TAG)
    if pid is None or not pid.isdigit():
        return False
    started = process_started(int(pid))
    return started is None or started != run.tags.get(PID_START_TAG, started)


@dataclass(frozen=True)
class Recovered:
    """One run ended by recovery, for the line the CLI prints."""

    run_id: str
    job: str
    status: str
    pid: str

    def describe(self) -> str:
        return (f"run {self.run_id} ({self.job}) was {self.status} but its process {self.pid} is gone: "
                "marked failed and its pool slots freed")


def in_progress(instance: DagsterInstance) -> Iterator[DagsterRun]:
    """Runs Dagster believes are running."""
    yield from instance.get_runs(RunsFilter(statuses=IN_PROGRESS))


def end_run(instance: DagsterInstance, run: DagsterRun, message: str) -> None:
    """Mark the run failed and free every pool slot it claimed or waits for."""
    instance.report_run_failed(run, message)
    instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)


def recover_dead_runs(instance: DagsterInstance) -> list[Recovered]:
    """End every run whose `pbw` process is gone; returns what was ended."""
    recovered: list[Recovered] = []
    for run in in_progress(instance):
        if not is_dead(run):
            continue
        pid = run.tags.get(PID_TAG, "?")
        end_run(instance, run, f"the process {pid} that executed this run is gone (killed or crashed); "
                               "recovered by pbw at the next start")
        recovered.append(Recovered(run.run_id, run.job_name, run.status.value, pid))
    return recovered


def sweep_spool(spool: Path, instance: DagsterInstance) -> list[Path]:
    """Remove spool folders (`<spool>/<run_id>`) of this instance's runs that are not in progress.

    A run removes its own pages as each dataset loads; a run that died or failed mid-way leaves them.
    """
    if not spool.is_dir():
        return []
    running = {run.run_id for run in in_progress(instance)}
    removed: list[Path] = []
    for folder in sorted(spool.iterdir()):
        if not folder.is_dir() or folder.name in running:
            continue
        if instance.get_run_by_id(folder.name) is None:
            continue  # not a run of this instance (another DAGSTER_HOME may be using it): leave it alone
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
