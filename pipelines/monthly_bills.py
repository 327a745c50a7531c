"""`billing.monthly_bills` (+ account details and versions): monthly-sum per cycle and charge mode.

Partitions: monthly (Beijing billing cycles). Backfill policy: single run. Schedules:
`bills_refresh_schedule` at 06:00 Beijing pulls the open month and the previous one: the previous month
is refreshed until it is final (the 5th of M+1, PBW_BILL_FINAL_DAY), then frozen, and the daily pull
becomes a spot check; `monthly_close_schedule` pulls M once more for the close. A change to a final
month is stored as a new version and flagged as a restatement (asset check `restatement`). A new version
of an ended cycle asks to re-sweep the fee records of the customers whose bills changed
(`audit.resweep_requests`; done by `consumption_resweeps` in the same run).
Retry policy: fetch retried once, 60 s later, when the client's own retries were exhausted by an outage
(`retry_on_outage`; `PBW_OUTAGE_RETRIES`, `PBW_OUTAGE_RETRY_WAIT_S`), load 2x on a lock timeout
(`retry_on_lock`).
"""

from pathlib import Path
from typing import Any

from dagster import BackfillPolicy, Nothing, OpExecutionContext, Out, Output, graph_asset, op

from pipelines.fetching import (
    Fetched,
    SweepStats,
    commit_fetched,
    evidence,
    materialization_metadata,
    partner_domain_id,
    sweep,
)
from pipelines.holders import for_holder, list_holders, load_context, page_holders
from pipelines.partitions import is_final, monthly_partitions, next_cycle_first_day
from pipelines.resources import PartnerCenterResource, PipelineSettings, WarehouseResource
from warehouse.loaders.monthly_bills import commit_monthly_bills, stage_monthly_bills

CHARGE_MODES = ("1", "3", "11")
"""monthly-sum requires one charge mode per call (API reference §6.1)."""


@op(pool="api_monthly_sum")
def fetch_monthly_bills(
    context: OpExecutionContext,
    partner_center: PartnerCenterResource,
    warehouse: WarehouseResource,
    settings: PipelineSettings,
) -> Fetched:
    """One sweep per cycle, holder (partner, each reseller) and charge mode; each cycle is marked final or
    open as of today. The pages are flattened, validated and staged per cycle here (the cycle is the
    request's: monthly-sum sends none), each row with the holder it was read for."""
    cycles = tuple(context.partition_keys)
    spool = warehouse.spool_dir(context.run.run_id, "monthly_bills")
    holders, found = list_holders(partner_center, spool)
    requests = [
        ("monthly_sum", for_holder({"cycle": c, "charge_mode": m}, h))
        for c in cycles for h in holders for m in CHARGE_MODES
    ]
    today = settings.beijing_today()
    final = {c: is_final(c, today, settings.bill_final_day) for c in cycles}
    closed = {c: next_cycle_first_day(c) <= today for c in cycles}
    sweeps = sweep(partner_center, requests, spool)
    pages: dict[str, list[Path]] = {c: [] for c in cycles}
    for done in sweeps:
        pages.setdefault(str(done.params["cycle"]), []).extend(done.page_files)
    load = load_context(context.run.run_id, partner_domain_id(partner_center))
    batch = stage_monthly_bills(
        pages, spool, load, final=final, closed=closed, evidence=evidence("monthly_bills", sweeps),
        holders=page_holders(sweeps),
    )
    return Fetched(batch, spool, SweepStats.of(sweeps, found))


@op(pool="duckdb_writer", out=Out(Nothing))
def load_monthly_bills_op(
    context: OpExecutionContext, fetched: Fetched, warehouse: WarehouseResource
) -> Any:
    """Store a new version per cycle when the content changed; a change to a final cycle is a restatement."""
    report = commit_fetched(fetched, warehouse, commit_monthly_bills)
    metadata = materialization_metadata(fetched, report)
    metadata["restated_cycles"] = ",".join(report.restated_cycles)
    requested = sorted(report.resweeps_requested.items())
    metadata["resweeps_requested"] = ",".join(f"{c}:{n}" for c, n in requested)
    yield Output(None, metadata=metadata)


@graph_asset(
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    group_name="billing",
    kinds={"duckdb"},
    description=__doc__,
)
def monthly_bills() -> Any:
    """Fetch (pool api_monthly_sum) then load (pool duckdb_writer)."""
    return load_monthly_bills_op(fetch_monthly_bills())
