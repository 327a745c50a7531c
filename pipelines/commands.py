"""`pbw run` and `pbw backfill`: launch the asset jobs through Dagster so every run shows in the UI.

Runs execute in this process against the `DAGSTER_HOME` instance (see pipelines/instance.py), so
the pools of dagster.yaml serialize DuckDB writes and API sweeps with any other run.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from dagster import AssetKey, BetaWarning, DagsterInstance, Definitions, RunRequest

from pipelines.jobs import DAILY_ASSETS
from pipelines.partitions import (
    beijing_date,
    cycle_ranges,
    cycles_between,
    cycles_to_refresh,
    lookback_window,
    range_tags,
)
from pipelines.resources import PipelineSettings
from pipelines.sensors import inbox_requests

DATASETS = (*DAILY_ASSETS, "monthly_bills")
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
"""The progress bar is the CLI's output; step logs stay in the run's event log (and the UI)."""


@dataclass(frozen=True)
class PlannedRun:
    """One Dagster run: a job, the assets it materializes and its partition key range."""

    job: str
    assets: tuple[str, ...]
    first: str
    last: str


@dataclass
class RunOutcome:
    """What a finished run did, for the summary."""

    run: PlannedRun
    run_id: str
    ok: bool
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)


def plan_backfill(begin: date, end: date, datasets: Sequence[str]) -> list[PlannedRun]:
    """Daily datasets one run per billing month (the API splits at month edges anyway), bills once."""
    daily = tuple(d for d in DAILY_ASSETS if d in datasets)
    runs: list[PlannedRun] = []
    for i, (_, first, last) in enumerate(cycle_ranges(begin, end)):
        assets = daily if i == 0 else tuple(d for d in daily if d != "customers")
        if assets:
            runs.append(PlannedRun("daily_job", assets, first.isoformat(), last.isoformat()))
    if "monthly_bills" in datasets:
        cycles = cycles_between(begin, end)
        runs.append(PlannedRun("bills_job", ("monthly_bills",), cycles[0], cycles[-1]))
    return runs


def plan_daily(day: date, lookback_days: int) -> list[PlannedRun]:
    """What the 06:00 schedules launch for D = `day`: facts over D-k..D and the bills to pull."""
    begin, end = lookback_window(day, lookback_days)
    cycles = cycles_to_refresh(day + timedelta(days=1))
    return [
        PlannedRun("daily_job", DAILY_ASSETS, begin.isoformat(), end.isoformat()),
        PlannedRun("bills_job", ("monthly_bills",), cycles[0], cycles[-1]),
    ]


def execute(defs: Definitions, instance: DagsterInstance, run: PlannedRun, kind: str) -> RunOutcome:
    """Run one planned run in-process against the instance; failures are reported, not raised."""
    job = defs.resolve_job_def(run.job)
    everything = {k.to_user_string() for k in job.asset_layer.executable_asset_keys} <= set(run.assets)
    started = time.monotonic()
    result = job.execute_in_process(
        run_config=QUIET,
        instance=instance,
        asset_selection=None if everything else [AssetKey(a) for a in run.assets],
        tags={**range_tags(run.first, run.last), "pbw/launched_by": f"pbw {kind}"},
        raise_on_error=False,
    )
    outcome = RunOutcome(run, result.run_id, result.success, time.monotonic() - started)
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        md = {k: v.value for k, v in mat.metadata.items()}
        name = mat.asset_key.to_user_string()
        outcome.rows[name] = int(str(md.get("rows", 0)))
        outcome.quarantined[name] = int(str(md.get("quarantined", 0)))
    return outcome


def progress(done: int, total: int, label: str, out: TextIO) -> None:
    """A one-line progress bar (redrawn in place on a terminal)."""
    width = 30
    filled = width * done // max(total, 1)
    line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label}"
    end = "\r" if out.isatty() and done < total else "\n"
    out.write(line.ljust(100) + end)
    out.flush()


def code_location() -> Definitions:
    """The Definitions, without Dagster's beta notices (they speak to developers, not operators)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        from pipelines.definitions import defs
    return defs


def launch(runs: list[PlannedRun], kind: str, out: TextIO = sys.stdout) -> int:
    """Execute the runs in order with a progress bar, then print a summary; exit code 1 on failure."""
    from pipelines.instance import get_instance

    defs = code_location()
    instance = get_instance()
    outcomes: list[RunOutcome] = []
    progress(0, len(runs), "starting", out)
    for i, run in enumerate(runs, start=1):
        outcome = execute(defs, instance, run, kind)
        outcomes.append(outcome)
        status = "ok" if outcome.ok else "FAILED"
        progress(i, len(runs), f"{run.job} {run.first}..{run.last} {status} {outcome.seconds:.1f}s", out)
    print_summary(outcomes, out)
    return 0 if all(o.ok for o in outcomes) else 1


def print_summary(outcomes: list[RunOutcome], out: TextIO) -> None:
    """Rows and quarantined rows per dataset, and the run ids to open in the UI."""
    rows: dict[str, int] = {}
    quarantined: dict[str, int] = {}
    for o in outcomes:
        for name, n in o.rows.items():
            rows[name] = rows.get(name, 0) + n
        for name, n in o.quarantined.items():
            quarantined[name] = quarantined.get(name, 0) + n
    out.write(f"{'dataset':<24}{'rows':>10}{'quarantined':>13}\n")
    for name in sorted(rows):
        out.write(f"{name:<24}{rows[name]:>10}{quarantined.get(name, 0):>13}\n")
    for o in outcomes:
        state = "success" if o.ok else "FAILURE"
        out.write(f"run {o.run_id} {o.run.job} {o.run.first}..{o.run.last}: {state} in {o.seconds:.1f}s\n")


def load_inbox(defs: Definitions, instance: DagsterInstance, folder: Path, out: TextIO) -> int:
    """Run the inbox sensor's requests now, each as an `incentives_job` run; exit 1 if a file was rejected."""
    job = defs.resolve_job_def("incentives_job")
    requests = [r for r in inbox_requests(folder) if isinstance(r, RunRequest)]
    failed = 0
    for i, request in enumerate(requests, start=1):
        result = job.execute_in_process(
            run_config={**request.run_config, **QUIET}, instance=instance, tags=request.tags,
            raise_on_error=False,
        )
        failed += not result.success
        name = request.tags.get("pbw/file", "?")
        progress(i, len(requests), f"{name} {'loaded' if result.success else 'REJECTED'}", out)
    out.write(f"{len(requests) - failed} file(s) loaded, {failed} rejected (see {folder / 'rejected'})\n")
    return 1 if failed else 0


def yesterday_beijing() -> date:
    """D of a run started now: yesterday in Beijing."""
    return beijing_date(datetime.now(tz=UTC)) - timedelta(days=1)


def cmd_run(args: argparse.Namespace) -> int:
    """`pbw run`: what the morning schedules do, for D (default yesterday in Beijing)."""
    settings = PipelineSettings.from_env()
    day = date.fromisoformat(args.date) if args.date else yesterday_beijing()
    lookback = settings.lookback_days if args.lookback is None else args.lookback
    return launch(plan_daily(day, lookback), "run")


def cmd_backfill(args: argparse.Namespace) -> int:
    """`pbw backfill`: every partition of the chosen datasets from D1 to D2."""
    begin, end = date.fromisoformat(args.from_date), date.fromisoformat(args.to_date)
    if end < begin:
        print("pbw backfill: --to is before --from", file=sys.stderr)
        return 2
    return launch(plan_backfill(begin, end, args.datasets), "backfill")


def cmd_load_inbox(args: argparse.Namespace) -> int:
    """`pbw load inbox`: load the console exports waiting in `PBW_INBOX` now, through Dagster."""
    from pipelines.instance import get_instance

    return load_inbox(code_location(), get_instance(), PipelineSettings.from_env().inbox_path, sys.stdout)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `run` and `backfill` to the `pbw` command line."""
    run = subparsers.add_parser("run", help="the daily run for D-k..D through Dagster")
    run.add_argument("--date", help="D as YYYY-MM-DD (Beijing); default yesterday")
    run.add_argument("--lookback", type=int, help="k days before D; default PBW_LOOKBACK_DAYS (3)")
    run.set_defaults(func=cmd_run)
    backfill = subparsers.add_parser("backfill", help="load a date range through Dagster")
    backfill.add_argument("--from", dest="from_date", required=True, help="first day, YYYY-MM-DD")
    backfill.add_argument("--to", dest="to_date", required=True, help="last day, YYYY-MM-DD")
    backfill.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    backfill.set_defaults(func=cmd_backfill)
    load = subparsers.add_parser("load", help="load files through Dagster")
    load_sub = load.add_subparsers(dest="load_command", required=True)
    load_sub.add_parser("inbox", help="the incentive exports waiting in PBW_INBOX").set_defaults(
        func=cmd_load_inbox
    )
