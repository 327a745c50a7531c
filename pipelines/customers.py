"""`billing.customers` (current) and `billing.customers_history` (every change).

Not partitioned: the list is small and always pulled whole. Runs first in `daily_job`.
Retry policy: fetch retried once, 60 s later, when the client's own retries were exhausted by an outage
(`retry_on_outage`; `PBW_OUTAGE_RETRIES`, `PBW_OUTAGE_RETRY_WAIT_S`), load 2x on a lock timeout
(`retry_on_lock`).
"""

from dataclasses import replace
from typing import Any

from dagster import Nothing, OpExecutionContext, Out, Output, graph_asset, op

from partner_center.client import SweepRequest
from partner_center.paging import Sweep
from pipelines.fetching import (
    Fetched,
    SweepStats,
    commit_fetched,
    evidence,
    materialization_metadata,
    partner_domain_id,
    sweep,
)
from pipelines.holders import for_holder, holder_of, list_holders, load_context
from pipelines.resources import PartnerCenterResource, PipelineSettings, WarehouseResource
from schemas import resellers
from warehouse.loaders.customers import commit_customers, stage_customers
from warehouse.loaders.resellers import stage_reseller_dataset

BALANCE_BATCH = 100
"""Customers per balances batch-query: the API documents no maximum (?); 100 as its other lists."""


@op(pool="api_sub_customers")
def fetch_customers(
    context: OpExecutionContext,
    partner_center: PartnerCenterResource,
    warehouse: WarehouseResource,
    settings: PipelineSettings,
) -> Fetched:
    """One sweep of the sub-customer list (100 per page) per holder (the distributor's own, each
    reseller's), parsed, validated and staged here; then each holder's customers' balances (snapshot of
    the Beijing day, `billing.customer_balances`), committed with the list."""
    spool = warehouse.spool_dir(context.run_id, "customers")
    holders, found = list_holders(partner_center, spool)
    lists = [("sub_customers", for_holder({}, h)) for h in holders]
    sweeps = sweep(partner_center, lists, spool, keep_ids=True)
    domain = partner_domain_id(partner_center)
    load = load_context(context.run_id, domain)
    own = [page for done in sweeps if holder_of(done) is None for page in done.page_files]
    resold = [(holder_of(done), done.page_files) for done in sweeps if holder_of(done) is not None]
    reads = sweep(partner_center, balance_requests(sweeps), spool)
    balances = stage_reseller_dataset(
        resellers.CUSTOMER_BALANCES, [(holder_of(s), s.page_files) for s in reads], spool,
        load_context(context.run_id, domain),
        snapshot=settings.beijing_today(),
        evidence=evidence("customer_balances", reads),
    )
    batch = stage_customers(own, spool, load, evidence=evidence("customers", sweeps), by_holder=resold)
    return Fetched(replace(batch, balances=balances), spool, SweepStats.of(sweeps, [*found, *reads]))


def balance_requests(lists: list[Sweep]) -> list[SweepRequest]:
    """One balances batch-query per holder and BALANCE_BATCH customers of its list (the API drops the
    referral customers itself, so the list is sent as read)."""
    out: list[SweepRequest] = []
    for done in lists:
        ids = sorted(done.ids or [])
        for start in range(0, len(ids), BALANCE_BATCH):
            infos = [{"customer_id": c} for c in ids[start:start + BALANCE_BATCH]]
            out.append(("customer_balances", for_holder({"customer_infos": infos}, holder_of(done))))
    return out


@op(pool="duckdb_writer", out=Out(Nothing))
def load_customers_op(
    context: OpExecutionContext, fetched: Fetched, warehouse: WarehouseResource
) -> Any:
    """Upsert the current customers; changed attributes close the old history row."""
    report = commit_fetched(fetched, warehouse, commit_customers)
    yield Output(None, metadata=materialization_metadata(fetched, report))


@graph_asset(group_name="billing", kinds={"duckdb"}, description=__doc__)
def customers() -> Any:
    """Fetch (pool api_sub_customers) then load (pool duckdb_writer)."""
    return load_customers_op(fetch_customers())
