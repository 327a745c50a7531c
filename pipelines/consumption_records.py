"""`billing.consumption_records`: fee records by Beijing `bill_date`.

Partitions: daily (Asia/Shanghai) from PBW_START_DATE. Backfill policy: single run, so D-k..D is one
sweep per customer and one transaction. Schedule: `daily_schedule`, 06:00 Beijing over D-k..D
(k = PBW_LOOKBACK_DAYS, default 3) so records published late land in their own day; records of an
ended month that change later (a restatement) are re-swept by `consumption_resweeps`. Retry policy:
fetch retried once, 60 s later, when the client's own retries were exhausted by an outage
(`retry_on_outage`; `PBW_OUTAGE_RETRIES`, `PBW_OUTAGE_RETRY_WAIT_S`), load 2x on a lock timeout
(`retry_on_lock`); no run retry (dagster.yaml).
"""

from dataclasses import replace
from typing import Any

from dagster import BackfillPolicy, Nothing, OpExecutionContext, Out, Output, graph_asset, op

from partner_center.client import SweepRequest
from pipelines.fetching import (
    Fetched,
    SweepStats,
    commit_fetched,
    day_keys,
    day_window,
    evidence,
    materialization_metadata,
    partner_domain_id,
    stream_sweeps,
    sweep,
)
from pipelines.holders import consumers_per_holder, for_holder, holder_pages, list_holders, load_context
from pipelines.partitions import cycle_ranges, daily_partitions
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.loaders.consumption_records import ConsumptionBatch, commit_consumption, stage_consumption


@op(pool="api_res_fee_records")
def fetch_consumption_records(
    context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
) -> Fetched:
    """Customers with consumption per cycle and holder (the distributor's own view, then each reseller's),
    then one sweep per (holder, customer) over the days of that cycle: a reseller's view holds only the days
    the customer was its customer, so no record comes twice and each row says whose customer it was.

    Each finished sweep is parsed, validated and staged while the next ones download; the load step commits.
    """
    begin, end = day_window(context)
    spool = warehouse.spool_dir(context.run.run_id, "consumption_records")
    ranges = cycle_ranges(begin, end)
    holders, found = list_holders(partner_center, spool)
    per_holder = consumers_per_holder()
    asked = [(h, r) for h in (holders if per_holder else [None]) for r in ranges]
    lookups = [("consume_sub_customers", for_holder({"bill_cycle": c}, h)) for h, (c, _, _) in asked]
    who = sweep(partner_center, lookups, spool, keep_ids=True)
    requests: list[SweepRequest] = [
        ("res_fee_records", for_holder({"bill_cycle": cycle, "customer_id": customer, "bill_date_begin":
                                        first.isoformat(), "bill_date_end": last.isoformat()}, holder))
        for (asker, (cycle, first, last)), customers in zip(asked, who, strict=True)
        for holder in ([asker] if per_holder else holders)
        for customer in customers.ids or []
    ]
    consuming: dict[str, list[str]] = {c: [] for c, _, _ in ranges}
    for (_, (cycle, _, _)), customers in zip(asked, who, strict=True):
        consuming[cycle] = sorted({*consuming[cycle], *(customers.ids or [])})
    load = load_context(context.run.run_id, partner_domain_id(partner_center))
    keys = day_keys(begin, end)
    holder_of_page: dict[str, str] = {}
    fees, staged = stream_sweeps(
        partner_center, requests, spool,
        lambda done: stage_consumption(holder_pages(done, holder_of_page), keys, spool, load,
                                       consuming_customers=consuming, holders=holder_of_page),
        discard=ConsumptionBatch.discard,
    )
    batch = replace(staged, evidence=evidence("consumption_records", fees))
    return Fetched(batch, spool, SweepStats.of(fees, [*found, *who]))


@op(pool="duckdb_writer", out=Out(Nothing))
def load_consumption_records(
    context: OpExecutionContext, fetched: Fetched, warehouse: WarehouseResource
) -> Any:
    """Replace the partitions with the staged rows in one transaction (bad rows to quarantine)."""
    report = commit_fetched(fetched, warehouse, commit_consumption)
    yield Output(None, metadata=materialization_metadata(fetched, report))


@graph_asset(
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    group_name="billing",
    kinds={"duckdb"},
    description=__doc__,
)
def consumption_records() -> Any:
    """Fetch (pool api_res_fee_records) then load (pool duckdb_writer)."""
    return load_consumption_records(fetch_consumption_records())
