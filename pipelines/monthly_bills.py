"""`billing.monthly_bills` (+ account details and versions): monthly-sum per cycle and charge mode.

Partitions: monthly (Beijing billing cycles). Backfill policy: single run. Schedules:
`bills_refresh_schedule` at 06:00 Beijing pulls the open month and the previous one: the previous month
is refreshed until it is final (the 5th of M+1, PBW_BILL_FINAL_DAY), then frozen, and the daily pull
becomes a spot check; `monthly_close_schedule` pulls M once more for the close. A change to a final
month is stored as a new version and flagged as a restatement (asset check `restatement`).
Retry policy: fetch retried 3x on an API outage (`retry_on_outage`),
load 2x on a lock timeout (`retry_on_lock`).
"""

from typing import Any

from dagster import BackfillPolicy, Nothing, OpExecutionContext, Out, Output, graph_asset, op

from pipelines.fetching import (
    Fetched,
    load_fetched,
    materialization_metadata,
    partner_domain_id,
    sweep,
)
from pipelines.partitions import is_final, monthly_partitions
from pipelines.resources import PartnerCenterResource, PipelineSettings, WarehouseResource
from warehouse.load import load_monthly_bills

CHARGE_MODES = ("1", "3", "11")
"""monthly-sum requires one charge mode per call (API reference §6.1)."""


@op(pool="api_monthly_sum")
def fetch_monthly_bills(
    context: OpExecutionContext,
    partner_center: PartnerCenterResource,
    warehouse: WarehouseResource,
    settings: PipelineSettings,
) -> Fetched:
    """One sweep per cycle and charge mode; each cycle is marked final or open as of today."""
    cycles = tuple(context.partition_keys)
    spool = warehouse.spool_dir(context.run.run_id, "monthly_bills")
    requests = [("monthly_sum", {"cycle": c, "charge_mode": m}) for c in cycles for m in CHARGE_MODES]
    today = settings.beijing_today()
    final = {c: is_final(c, today, settings.bill_final_day) for c in cycles}
    return Fetched("monthly_bills", cycles, sweep(partner_center, requests, spool), spool,
                   partner_domain_id=partner_domain_id(partner_center), facts={"final": final})


@op(pool="duckdb_writer", out=Out(Nothing))
def load_monthly_bills_op(context: OpExecutionContext, fetched: Fetched, warehouse: WarehouseResource) -> Any:
    """Store a new version per cycle when the content changed; a change to a final cycle is a restatement."""
    report = load_fetched(context, fetched, warehouse, load_monthly_bills, fetched.partitions,
                          final=fetched.facts["final"])
    metadata = materialization_metadata(fetched, report)
    metadata["restated_cycles"] = ",".join(report.get("restated_cycles", []))
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
