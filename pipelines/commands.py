"""`pbw run` and `pbw backfill`: launch the asset jobs through Dagster so every run shows in the UI.

Runs execute in-process against the `DAGSTER_HOME` instance (see pipelines/instance.py), so the
pools of dagster.yaml serialize DuckDB writes and API sweeps with any other run. `pbw backfill`
executes its runs one after another in this process; `pbw run` executes one run per API at once,
each in a process of its own, so the APIs (each with its own rate limit) are swept concurrently.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from dagster import (
    AssetKey,
    DagsterInstance,
    Definitions,
    ExecuteInProcessResult,
    JobDefinition,
)

from pipelines.accounts import account_run_config, configured_accounts, find_account
from pipelines.failures import failure_lines, verbose
from pipelines.inbox_runs import run_inbox
from pipelines.jobs import BILLS_ASSETS, DAILY_ASSETS, MONEY_LIST_ASSETS
from pipelines.partitions import (
    beijing_date,
    cycle_ranges,
    cycles_between,
    cycles_to_refresh,
    lookback_window,
    range_tags,
    start_date,
)
from pipelines.pool_queue import pool_queue_kept_moving
from pipelines.resources import PipelineSettings
from pipelines.run_recovery import process_tags, recover_dead_runs, sweep_spool
from warehouse.connection import warehouse_path

DEFAULT_DATASETS = (*DAILY_ASSETS, "monthly_bills")
DATASETS = (*DEFAULT_DATASETS, "money_lists")
"""`money_lists` (coupons, orders, refunds, units: pulled whole, not per day) only when asked for."""
QUIET: dict[str, object] = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
VERBOSE: dict[str, object] = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
"""The progress bar and one line per failed step are the CLI's output; step logs stay in the run's event
log (and the UI), and reach the terminal with `pbw -v`."""


def log_config() -> dict[str, object]:
    """Dagster's console logger: silent unless `-v` (its ERROR lines carry whole tracebacks)."""
    return VERBOSE if verbose() else QUIET


@dataclass(frozen=True)
class PlannedRun:
    """One Dagster run: a job, the assets it materializes and its partition key range."""

    job: str
    assets: tuple[str, ...]
    first: str
    last: str
    account: str | None = None
    """An account of `PBW_ACCOUNTS`; None: the SDK variables' one account."""


@dataclass
class RunOutcome:
    """What a finished run did, for the summary."""

    run: PlannedRun
    run_id: str
    ok: bool
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def plan_backfill(begin: date, end: date, datasets: Sequence[str]) -> list[PlannedRun]:
    """Daily datasets one run per billing month (the API splits at month edges anyway), bills once."""
    daily = tuple(d for d in DAILY_ASSETS if d in datasets)
    runs: list[PlannedRun] = []
    for i, (_, first, last) in enumerate(cycle_ranges(begin, end)):
        assets = daily if i == 0 else tuple(d for d in daily if d not in ("customers", "resellers"))
        if assets:
            runs.append(PlannedRun("daily_job", assets, first.isoformat(), last.isoformat()))
    if "monthly_bills" in datasets:
        cycles = cycles_between(begin, end)
        runs.append(PlannedRun("bills_job", BILLS_ASSETS, cycles[0], cycles[-1]))
    if "money_lists" in datasets:
        runs.append(PlannedRun("money_lists_job", MONEY_LIST_ASSETS, begin.isoformat(), end.isoformat()))
    return runs


def plan_daily(day: date, lookback_days: int) -> list[PlannedRun]:
    """What the 06:00 schedules launch for D = `day`: facts over D-k..D and the bills to pull."""
    begin, end = lookback_window(day, lookback_days)
    cycles = cycles_to_refresh(day + timedelta(days=1))
    return [
        PlannedRun("daily_job", DAILY_ASSETS, begin.isoformat(), end.isoformat()),
        PlannedRun("bills_job", BILLS_ASSETS, cycles[0], cycles[-1]),
    ]


def asset_selection(job: JobDefinition, run: PlannedRun) -> list[AssetKey] | None:
    """The run's assets, or None when they are all of the job's (a plain job run in the UI)."""
    everything = {k.to_user_string() for k in job.asset_layer.executable_asset_keys} <= set(run.assets)
    return None if everything else [AssetKey(a) for a in run.assets]


def run_tags(run: PlannedRun, kind: str) -> dict[str, str]:
    """The partition range of the run and who launched it."""
    account = {"pbw/account": run.account} if run.account else {}
    return {**range_tags(run.first, run.last), "pbw/launched_by": f"pbw {kind}", **account, **process_tags()}


def execute(defs: Definitions, instance: DagsterInstance, run: PlannedRun, kind: str) -> RunOutcome:
    """Run one planned run in-process against the instance; failures are reported, not raised."""
    job = defs.resolve_job_def(run.job)
    selection = asset_selection(job, run)
    if selection is not None:
        # the job's own checks of these assets only: a bare asset selection would add every check of the
        # assets in the code location, e.g. freshness, which runs on its own schedule
        checks = {k for k in job.asset_layer.asset_graph.asset_check_keys if k.asset_key in selection}
        job = job.get_subset(asset_selection=set(selection), asset_check_selection=checks)
    started = time.monotonic()
    with pool_queue_kept_moving(instance):
        result = job.execute_in_process(
            run_config={**log_config(), **account_run_config(run.account)}, instance=instance,
            tags=run_tags(run, kind), raise_on_error=False
        )
    # the run is over, whatever its ending: its spool folder (pages of failed steps, empty folders) goes
    shutil.rmtree(spool_root() / result.run_id, ignore_errors=True)
    return run_outcome(run, result, time.monotonic() - started)


def execute_alone(run: PlannedRun, kind: str) -> RunOutcome:
    """`execute` in a process of its own (a worker of `launch(..., concurrent=True)`)."""
    from pipelines.instance import get_instance

    return execute(code_location(), get_instance(), run, kind)


def run_title(run: PlannedRun) -> str:
    """`daily_job 2026-11-20..2026-11-23`; a run of one of the daily job's assets names it."""
    part = f"[{run.assets[0]}]" if run.job == "daily_job" and len(run.assets) == 1 else ""
    return f"{run.job}{part} {run.first}..{run.last}"


def one_run_per_api(runs: list[PlannedRun]) -> list[PlannedRun]:
    """Each daily asset of each run in a run of its own: every dataset sweeps a different API pool, so the
    runs can sweep at once, each at its API's full rate, while their loads still queue for the writer. The
    bills run stays whole: its re-sweeps must follow the bills they depend on."""
    return [replace(run, assets=(asset,)) if run.job == "daily_job" else run
            for run in runs for asset in (run.assets if run.job == "daily_job" else run.assets[:1])]


def run_outcome(run: PlannedRun, result: ExecuteInProcessResult, seconds: float) -> RunOutcome:
    """Rows and quarantined rows per asset from the run's materializations."""
    outcome = RunOutcome(run, result.run_id, result.success, seconds,
                         failures=failure_lines(result, verbose=verbose()))
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
    """The Definitions (imported late: `pbw sql` and friends need not load Dagster's code location)."""
    from pipelines.definitions import defs

    return defs


def launch(runs: list[PlannedRun], kind: str, out: TextIO = sys.stdout, *, concurrent: bool = False) -> int:
    """Execute the runs with a progress bar, then print a summary; exit code 1 on failure.

    One after another in this process by default (`pbw backfill`: its runs share the API pools anyway).
    `concurrent` starts every run at once, each in a fresh process (`pbw run`: one run per API, each
    swept at its API's full rate; loads still take `duckdb_writer` one at a time). Each run stays the
    plain in-process execution: Dagster's multiprocess executor would start a process per step instead
    (17 for `pbw run`, 3-8 s each on a busy 2-core machine, partly while holding the writer pool: 118 s
    against 31 s for 200 customers). Processes, not threads: an in-process run redirects its process's
    stdout/stderr into the run's compute logs.
    """
    from pipelines.instance import get_instance

    instance = get_instance()  # before any worker: they inherit DAGSTER_HOME and find it set up
    recover(instance)
    progress(0, len(runs), "starting", out)

    def finished(i: int, outcome: RunOutcome) -> None:
        status = "ok" if outcome.ok else "FAILED"
        progress(i, len(runs), f"{run_title(outcome.run)} {status} {outcome.seconds:.1f}s", out)

    outcomes: list[RunOutcome] = []
    if concurrent:
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(len(runs), 1), mp_context=spawn) as pool:
            futures = [pool.submit(execute_alone, run, kind) for run in runs]
            for i, future in enumerate(as_completed(futures), start=1):
                finished(i, future.result())
            outcomes = [future.result() for future in futures]
    else:
        defs = code_location()
        for i, run in enumerate(runs, start=1):
            outcomes.append(execute(defs, instance, run, kind))
            finished(i, outcomes[-1])
    print_summary(outcomes, out)
    return 0 if all(o.ok for o in outcomes) else 1


def spool_root() -> Path:
    """Where runs spool raw pages: `spool/` beside the warehouse file (see WarehouseResource.spool_dir)."""
    return warehouse_path().parent / "spool"


def recover(instance: DagsterInstance) -> None:
    """Before launching: end runs whose process died (they hold pool slots) and drop their spool pages.

    What it did goes to stderr: it is news about the instance, not the command's own output.
    """
    for dead in recover_dead_runs(instance):
        print(dead.describe(), file=sys.stderr)
    removed = sweep_spool(spool_root(), instance)
    if removed:
        print(f"removed the spool pages of {len(removed)} ended run(s)", file=sys.stderr)


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
        out.write(f"run {o.run_id} {run_title(o.run)}: {state} in {o.seconds:.1f}s\n")
    for o in outcomes:
        for line in o.failures:
            out.write(f"  {run_title(o.run)} {line}\n")


def load_inbox(
    defs: Definitions, instance: DagsterInstance, folder: Path, out: TextIO, replace: Path | None = None
) -> int:
    """Run the inbox sensor's requests now (or only `replace`), each as an `incentives_job` run; one line per
    file with its outcome, then the sum-up; exit 1 if a file was held, rejected or left in the inbox."""
    recover(instance)
    return run_inbox(defs.resolve_job_def("incentives_job"), instance, folder, out, log_config(), replace)


def yesterday_beijing() -> date:
    """D of a run started now: yesterday in Beijing."""
    return beijing_date(datetime.now(tz=UTC)) - timedelta(days=1)


def cmd_run(args: argparse.Namespace) -> int:
    """`pbw run`: what the morning schedules do, for D (default yesterday in Beijing)."""
    settings = PipelineSettings.from_env()
    day = date.fromisoformat(args.date) if args.date else yesterday_beijing()
    lookback = settings.lookback_days if args.lookback is None else args.lookback
    planned = one_run_per_api(plan_daily(day, lookback))
    runs = [replace(r, account=a) for a in accounts_of(args) for r in planned]
    return launch(runs, "run", concurrent=True)


def cmd_backfill(args: argparse.Namespace) -> int:
    """`pbw backfill`: every partition of the chosen datasets from D1 to D2."""
    begin, end = date.fromisoformat(args.from_date), date.fromisoformat(args.to_date)
    if end < begin:
        print("pbw backfill: --to is before --from", file=sys.stderr)
        return 2
    if begin < start_date():
        print(f"pbw backfill: --from {begin} is before the first daily partition {start_date()}; "
              "set PBW_START_DATE to the first day you want to keep", file=sys.stderr)
        return 2
    planned = plan_backfill(begin, end, args.datasets)
    runs = [replace(r, account=a) for a in accounts_of(args) for r in planned]
    return launch(runs, "backfill")


def accounts_of(args: argparse.Namespace) -> list[str | None]:
    """`--account NAME` (checked now: a typo fails before any run), else every account of `PBW_ACCOUNTS`,
    else the one account of the SDK variables (None)."""
    if args.account:
        return [find_account(args.account).name]
    return [a.name for a in configured_accounts()] or [None]


def cmd_load_inbox(args: argparse.Namespace) -> int:
    """`pbw load inbox`: load the console exports waiting in `PBW_INBOX` now, through Dagster."""
    from pipelines.instance import get_instance

    folder = PipelineSettings.from_env().inbox_path
    replace = Path(args.replace) if args.replace else None
    return load_inbox(code_location(), get_instance(), folder, sys.stdout, replace)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `run` and `backfill` to the `pbw` command line."""
    run = subparsers.add_parser(
        "run", help="the daily run for D-k..D through Dagster",
        description="What the 06:00 schedules do, now: one Dagster run per API for days D-k..D and the "
        "bills of the open months, recorded in the instance at DAGSTER_HOME (see `pbw runs`).",
        epilog="Example: pbw run --date 2026-11-30 --lookback 3",
    )
    run.add_argument("--date", help="D as YYYY-MM-DD (Beijing); default yesterday")
    run.add_argument("--lookback", type=int, help="k days before D; default PBW_LOOKBACK_DAYS (3)")
    run.add_argument("--account", help="one account of PBW_ACCOUNTS (default: every account)")
    run.set_defaults(func=cmd_run)
    backfill = subparsers.add_parser(
        "backfill", help="load a date range through Dagster",
        description="Load every day from --from to --to (Beijing dates) through Dagster, one run per "
        "billing month, with a progress line per sweep; runs are recorded in DAGSTER_HOME.",
        epilog="Example: pbw backfill --from 2026-10-01 --to 2026-10-31 --datasets consumption_records",
    )
    backfill.add_argument("--from", dest="from_date", required=True, help="first day, YYYY-MM-DD")
    backfill.add_argument("--to", dest="to_date", required=True, help="last day, YYYY-MM-DD")
    backfill.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DEFAULT_DATASETS))
    backfill.add_argument("--account", help="one account of PBW_ACCOUNTS (default: every account)")
    backfill.set_defaults(func=cmd_backfill)
    load = subparsers.add_parser(
        "load", help="load files through Dagster",
        description="Load files dropped by people (console exports) through Dagster runs.",
        epilog="Example: pbw load inbox",
    )
    load_sub = load.add_subparsers(dest="load_command", required=True)
    inbox = load_sub.add_parser(
        "inbox", help="the incentive exports waiting in PBW_INBOX (merged by incentive data id)",
        description="Load the incentive exports waiting in PBW_INBOX now, one run per file. Each file ends "
        "loaded, held (PBW_INBOX/held, it would shrink a loaded period), rejected (PBW_INBOX/rejected) or "
        "duplicate, with a reason file where not loaded.",
        epilog="Examples: pbw load inbox   |   pbw load inbox --replace data/inbox/held/<sha>/export.xlsx",
    )
    inbox.add_argument("--replace", metavar="FILE",
                       help="load only FILE and replace the incentive periods it contains (e.g. a held file)")
    inbox.set_defaults(func=cmd_load_inbox)
