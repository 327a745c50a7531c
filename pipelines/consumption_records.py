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
    sweep,
    sweep_streaming,
)
from pipelines.partitions import cycle_ranges, daily_partitions
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.contract import LoadContext
from warehouse.loaders.consumption_records import ConsumptionBatch, commit_consumption, stage_consumption


@op(pool="api_res_fee_records")
def fetch_consumption_records(
    context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
) -> Fetched:
    """Customers with consumption per cycle, then one sweep per customer over the days of that cycle.

    Each finished sweep is parsed, validated and staged while the next ones download; the load step commits.
    """
    begin, end = day_window(context)
    spool = warehouse.spool_dir(context.run.run_id, "consumption_records")
    ranges = cycle_ranges(begin, end)
    lookups = [("consume_sub_customers", {"bill_cycle": c}) for c, _, _ in ranges]
    who = sweep(partner_center, lookups, spool, keep_ids=True)
    requests: list[SweepRequest] = [
        ("res_fee_records", {"bill_cycle": cycle, "customer_id": customer,
                             "bill_date_begin": first.isoformat(), "bill_date_end": last.isoformat()})
        for (cycle, first, last), customers in zip(ranges, who, strict=True)
        for customer in customers.ids or []
    ]
    consuming = {c: list(s.ids or []) for (c, _, _), s in zip(ranges, who, strict=True)}
    load = LoadContext(run_id=context.run.run_id, partner_domain_id=partner_domain_id(partner_center))
    keys = day_keys(begin, end)
    fees, staged = sweep_streaming(
        partner_center, requests, spool,
        lambda pages: stage_consumption(pages, keys, spool, load, consuming_customers=consuming),
        discard=ConsumptionBatch.discard,
    )
    batch = replace(staged, evidence=evidence("consumption_records", fees))
    return Fetched(batch, spool, SweepStats.of(fees, who))


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
