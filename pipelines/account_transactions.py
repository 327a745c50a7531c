"""`billing.account_transactions`: the partner account's changes by Beijing trade date.

Partitions: daily (Asia/Shanghai) from PBW_START_DATE. Backfill policy: single run. Schedule:
`daily_schedule`, 06:00 Beijing over D-k..D (transactions are complete up to 24:00 the day before).
Retry policy: fetch retried once, 60 s later, when the client's own retries were exhausted by an outage
(`retry_on_outage`; `PBW_OUTAGE_RETRIES`, `PBW_OUTAGE_RETRY_WAIT_S`), load 2x on a lock timeout
(`retry_on_lock`).
"""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from dagster import BackfillPolicy, Nothing, OpExecutionContext, Out, Output, graph_asset, op

from partner_center.paging import Sweep
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
)
from pipelines.holders import for_holder, holder_of, list_holders, load_context
from pipelines.partitions import daily_partitions
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.contract import StagedBatch
from warehouse.loaders.account_transactions import commit_account_transactions, stage_account_transactions

BALANCE_TYPES = ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT")


@op(pool="api_account_change_records")
def fetch_account_transactions(
    context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
) -> Fetched:
    """One sweep per holder (partner, each reseller) and balance type over D-k..D (the API's date filters
    are Beijing dates), each staged (parsed, validated, spooled to Parquet) as soon as it finished while
    the others download."""
    begin, end = day_window(context)
    spool = warehouse.spool_dir(context.run.run_id, "account_transactions")
    holders, found = list_holders(partner_center, spool)
    requests = [
        ("account_change_records",
         for_holder({"balance_type": b, "trade_time_begin": begin.isoformat(),
                     "trade_time_end": end.isoformat()}, h))
        for h in holders
        for b in BALANCE_TYPES
    ]
    load = load_context(context.run.run_id, partner_domain_id(partner_center))
    keys = day_keys(begin, end)

    def by_balance_type(done: Iterator[Sweep]) -> Iterator[tuple[str, list[Path], str | None]]:
        for finished in done:
            yield str(finished.params["balance_type"]), list(finished.page_files), holder_of(finished)

    sweeps, staged = stream_sweeps(
        partner_center, requests, spool,
        lambda done: stage_account_transactions(by_balance_type(done), keys, spool, load),
        discard=StagedBatch.discard,
    )
    batch = replace(staged, evidence=evidence("account_transactions", sweeps))
    return Fetched(batch, spool, SweepStats.of(sweeps, found))


@op(pool="duckdb_writer", out=Out(Nothing))
def load_account_transactions_op(
    context: OpExecutionContext, fetched: Fetched, warehouse: WarehouseResource
) -> Any:
    """Replace the trade-date partitions with the staged rows in one transaction."""
    report = commit_fetched(fetched, warehouse, commit_account_transactions)
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
