"""`billing.customers` (current) and `billing.customers_history` (every change).

Not partitioned: the list is small and always pulled whole. Runs first in `daily_job`.
Retry policy: fetch `API_RETRY`, load `LOAD_RETRY`.
"""

from typing import Any

from dagster import Nothing, OpExecutionContext, Out, Output, graph_asset, op
from warehouse.load import load_customers

from pipelines.fetching import API_RETRY, LOAD_RETRY, Fetched, materialization_metadata, sweep
from pipelines.resources import PartnerCenterResource, WarehouseResource


@op(pool="api_sub_customers", retry_policy=API_RETRY)
def fetch_customers(
    context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
) -> Fetched:
    """One sweep of the sub-customer list (100 per page)."""
    spool = warehouse.spool_dir(context.run.run_id, "customers")
    return Fetched("customers", (), sweep(partner_center, [("sub_customers", {})], spool), spool)


@op(pool="duckdb_writer", retry_policy=LOAD_RETRY, out=Out(Nothing))
def load_customers_op(context: OpExecutionContext, fetched: Fetched, warehouse: WarehouseResource) -> Any:
    """Upsert the current customers; changed attributes close the old history row."""
    with warehouse.writer() as con:
        report = load_customers(con, fetched.sweeps, run_id=context.run.run_id)
    fetched.cleanup()
    yield Output(None, metadata=materialization_metadata(fetched, report))


@graph_asset(group_name="billing", kinds={"duckdb"}, description=__doc__)
def customers() -> Any:
    """Fetch (pool api_sub_customers) then load (pool duckdb_writer)."""
    return load_customers_op(fetch_customers())
