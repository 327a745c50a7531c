"""`billing.customers` (current) and `billing.customers_history` (every change).

Not partitioned: the list is small and always pulled whole. Runs first in `daily_job`.
Retry policy: fetch retried once, 60 s later, when the client's own retries were exhausted by an outage
(`retry_on_outage`; `PBW_OUTAGE_RETRIES`, `PBW_OUTAGE_RETRY_WAIT_S`), load 2x on a lock timeout
(`retry_on_lock`).
"""

from typing import Any

from dagster import Nothing, OpExecutionContext, Out, Output, graph_asset, op

from pipelines.fetching import (
    Fetched,
    SweepStats,
    commit_fetched,
    evidence,
    materialization_metadata,
    partner_domain_id,
    sweep,
)
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.contract import LoadContext
from warehouse.loaders.customers import commit_customers, stage_customers


@op(pool="api_sub_customers")
def fetch_customers(
    context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
) -> Fetched:
    """One sweep of the sub-customer list (100 per page), parsed, validated and staged here."""
    spool = warehouse.spool_dir(context.run_id, "customers")
    sweeps = sweep(partner_center, [("sub_customers", {})], spool)
    load = LoadContext(run_id=context.run_id, partner_domain_id=partner_domain_id(partner_center))
    pages = [page for done in sweeps for page in done.page_files]
    batch = stage_customers(pages, spool, load, evidence=evidence("customers", sweeps))
    return Fetched(batch, spool, SweepStats.of(sweeps))


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
