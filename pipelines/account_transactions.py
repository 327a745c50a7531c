"""`billing.account_transactions`: the partner account's changes by Beijing trade date.

Partitions: daily (Asia/Shanghai) from PBW_START_DATE. Backfill policy: single run. Schedule:
`daily_schedule`, 06:00 Beijing over D-k..D (transactions are complete up to 24:00 the day before).
Retry policy: fetch retried 3x on an API outage (`retry_on_outage`),
load 2x on a lock timeout (`retry_on_lock`).
"""

from typing import Any

from dagster import BackfillPolicy, Nothing, OpExecutionContext, Out, Output, graph_asset, op

from pipelines.fetching import (
    Fetched,
    day_keys,
    day_window,
    load_fetched,
    materialization_metadata,
    partner_domain_id,
    sweep,
)
from pipelines.partitions import daily_partitions
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.load import load_account_transactions

BALANCE_TYPES = ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT")


@op(pool="api_account_change_records")
def fetch_account_transactions(
    context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
) -> Fetched:
    """One sweep per balance type over D-k..D (the API's date filters are Beijing dates)."""
    begin, end = day_window(context)
    spool = warehouse.spool_dir(context.run.run_id, "account_transactions")
    requests = [
        ("account_change_records",
         {"balance_type": b, "trade_time_begin": begin.isoformat(), "trade_time_end": end.isoformat()})
        for b in BALANCE_TYPES
    ]
    sweeps = sweep(partner_center, requests, spool)
    return Fetched("account_transactions", day_keys(begin, end), sweeps, spool,
                   partner_domain_id=partner_domain_id(partner_center))


@op(pool="duckdb_writer", out=Out(Nothing))
def load_account_transactions_op(
    context: OpExecutionContext, fetched: Fetched, warehouse: WarehouseResource
) -> Any:
    """Replace the trade-date partitions in one transaction."""
    report = load_fetched(context, fetched, warehouse, load_account_transactions, fetched.partitions)
    yield Output(None, metadata=materialization_metadata(fetched, report))


@graph_asset(
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    group_name="billing",
    kinds={"duckdb"},
    description=__doc__,
)
def account_transactions() -> Any:
    """Fetch (pool api_account_change_records) then load (pool duckdb_writer)."""
    return load_account_transactions_op(fetch_account_transactions())
