"""`pbw runs` lists the runs in Dagster's storage; `pbw runs cancel` ends runs that are stuck.

A killed `pbw` process leaves its run STARTED with its pool slots held; `pbw` recovers such runs at its
next start (pipelines/run_recovery.py), and these commands let an operator look and act by hand.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import UTC, datetime

from dagster import DagsterRunStatus, RunsFilter

from pipelines.partitions import BEGIN_TAG, END_TAG
from pipelines.run_recovery import PID_TAG, end_run, in_progress, is_dead, recover_dead_runs


def cmd_runs(args: argparse.Namespace) -> int:
    """List the newest runs: id, job, status, partitions, start time, the process that runs it."""
    from pipelines.instance import get_instance

    instance = get_instance()
    for line in recover_dead_runs(instance):
        print(line.describe())
    statuses = [DagsterRunStatus(s) for s in args.status] if args.status else None
    records = instance.get_run_records(RunsFilter(statuses=statuses) if statuses else None, limit=args.limit)
    print(f"{'run id':<38}{'job':<18}{'status':<10}{'partitions':<25}{'started (UTC)':<21}process")
    for record in records:
        run = record.dagster_run
        span = f"{run.tags.get(BEGIN_TAG, '')}..{run.tags.get(END_TAG, '')}".strip(".")
        when = "" if record.start_time is None else _utc(record.start_time)
        pid = run.tags.get(PID_TAG, "-")
        print(f"{run.run_id:<38}{run.job_name:<18}{run.status.value:<10}{span:<25}{when:<21}{pid}")
    return 0


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def cmd_cancel(args: argparse.Namespace) -> int:
    """End the named runs (or every run in progress with `--all`): stop their process, free their slots."""
    from pipelines.instance import get_instance

    instance = get_instance()
    targets = list(in_progress(instance)) if args.all else []
    for run_id in args.run_ids:
        run = instance.get_run_by_id(run_id)
        if run is None:
            print(f"pbw runs cancel: no run {run_id} in {os.environ.get('DAGSTER_HOME')}; "
                  "`pbw runs` lists them", file=sys.stderr)
            return 2
        if run.status not in (DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING,
                              DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED):
            print(f"run {run_id} is {run.status.value}: nothing to cancel")
            continue
        targets.append(run)
    for run in targets:
        pid = run.tags.get(PID_TAG)
        if pid and pid.isdigit() and not is_dead(run) and int(pid) != os.getpid():
            os.kill(int(pid), signal.SIGTERM)
        end_run(instance, run, "canceled with `pbw runs cancel`")
        print(f"run {run.run_id} ({run.job_name}) ended; its pool slots are free")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `pbw runs` and `pbw runs cancel`."""
    runs = subparsers.add_parser(
        "runs", help="list runs in the Dagster instance (DAGSTER_HOME); end stuck ones",
        description="List the newest runs of the Dagster instance. Runs whose pbw process is gone are "
        "marked failed and their pool slots freed first.",
        epilog="Examples: pbw runs --status STARTED   |   pbw runs cancel 5bf413d6-8260-...",
    )
    runs.add_argument("--limit", type=int, default=20, help="how many runs, newest first (default 20)")
    runs.add_argument("--status", nargs="+", choices=[s.value for s in DagsterRunStatus],
                      help="only runs in these states")
    runs.set_defaults(func=cmd_runs)
    sub = runs.add_subparsers(dest="runs_command")
    cancel = sub.add_parser("cancel", help="end runs: stop their process, mark them canceled-failed, "
                                           "free their pool slots",
                            description="End runs by id (or every run in progress): stop their process, "
                            "mark them canceled-failed and free their pool slots.",
                            epilog="Example: pbw runs cancel --all")
    cancel.add_argument("run_ids", nargs="*", help="run ids as `pbw runs` prints them")
    cancel.add_argument("--all", action="store_true", help="every run in progress")
    cancel.set_defaults(func=cmd_cancel)
