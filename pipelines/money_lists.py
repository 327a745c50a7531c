"""The lists that explain money, each pulled whole and replacing the partner account's rows: coupons issued
to customers (`partner_coupons`) and their records (`partner_coupon_records`), customer orders with their
discounts (`customer_orders`), refund orders (`refund_orders`, asked per unsubscribe, change and
to-on-demand order) and measurement units (`measure_units`).

Not partitioned; run by `money_lists_job` (no schedule: daily is plenty, launch it with the close).
Retry policy: fetch retried once on an outage (`retry_on_outage`), load 2x on a lock timeout
(`retry_on_lock`).
"""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dagster import AssetsDefinition, Nothing, OpExecutionContext, Out, Output, graph_asset, op

from pipelines.fetching import (
    Fetched,
    SweepStats,
    commit_fetched,
    evidence,
    materialization_metadata,
    partner_domain_id,
    sweep,
)
from pipelines.partitions import BEGIN_TAG, END_TAG
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.contract import LoadContext
from warehouse.loaders.money_lists import commit_money_list, stage_money_list

REFUND_ORDER_TYPES = ("3", "4", "10")
BEIJING = timedelta(hours=8)


def _list_asset(dataset: str, endpoint: str, pool: str) -> AssetsDefinition:
    """A thin fetch-then-load asset of one whole list (the five differ only in these three names)."""

    @op(name=f"fetch_{dataset}", pool=pool)
    def fetch(
        context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
    ) -> Fetched:
        spool = warehouse.spool_dir(context.run_id, dataset)
        sweeps = sweep(partner_center, [(endpoint, {})], spool)
        load = LoadContext(run_id=context.run_id, partner_domain_id=partner_domain_id(partner_center))
        pages: list[tuple[dict[str, str | None], list[Path]]] = [({}, done.page_files) for done in sweeps]
        batch = stage_money_list(dataset, pages, spool, load, evidence=evidence(dataset, sweeps))
        return Fetched(batch, spool, SweepStats.of(sweeps))

    return _with_load(dataset, fetch)


def _with_load(dataset: str, fetch: Any) -> AssetsDefinition:
    @op(name=f"load_{dataset}", pool="duckdb_writer", out=Out(Nothing))
    def load(context: OpExecutionContext, fetched: Fetched, warehouse: WarehouseResource) -> Any:
        report = commit_fetched(fetched, warehouse, commit_money_list)
        yield Output(None, metadata=materialization_metadata(fetched, report))

    @graph_asset(name=dataset, group_name="money_lists", kinds={"duckdb"}, description=__doc__)
    def asset() -> Any:
        return load(fetch())

    return asset


def payment_window(tags: Mapping[str, str]) -> dict[str, str]:
    """The run's Beijing day range as the orders' UTC payment-time window; none (every order) without one."""
    if BEGIN_TAG not in tags or END_TAG not in tags:
        return {}
    first = datetime.combine(date.fromisoformat(tags[BEGIN_TAG][:10]), time()) - BEIJING
    after = datetime.combine(date.fromisoformat(tags[END_TAG][:10]) + timedelta(days=1), time()) - BEIJING
    return {
        "payment_time_begin": f"{first:%Y-%m-%dT%H:%M:%SZ}",
        "payment_time_end": f"{after:%Y-%m-%dT%H:%M:%SZ}",
    }


@op(pool="api_refund_orders")
def fetch_refund_orders(
    context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
) -> Fetched:
    """The orders that can refund (change, unsubscribe, to on-demand) paid in the run's day range (every
    one without a range), then each one's refund infos: one request per order, so a backfill asks only for
    its days, and its load replaces the refund orders of those orders alone."""
    spool = warehouse.spool_dir(context.run_id, "refund_orders")
    window = payment_window(context.run.tags)
    lookups = sweep(
        partner_center,
        [("customer_orders", {"order_type": t, **window}) for t in REFUND_ORDER_TYPES],
        spool,
        keep_ids=True,
    )
    order_ids = sorted({i for done in lookups for i in done.ids or ()})
    sweeps = sweep(partner_center, [("refund_orders", {"order_id": i}) for i in order_ids], spool)
    load = LoadContext(run_id=context.run_id, partner_domain_id=partner_domain_id(partner_center))
    pages = [({"order_id": str(done.params["order_id"])}, done.page_files) for done in sweeps]
    batch = stage_money_list(
        "refund_orders", pages, spool, load, keys=order_ids, evidence=evidence("refund_orders", sweeps)
    )
    return Fetched(batch, spool, SweepStats.of(sweeps, lookups))


partner_coupons = _list_asset("partner_coupons", "partner_coupons", "api_partner_coupons")
partner_coupon_records = _list_asset(
    "partner_coupon_records", "partner_coupon_records", "api_partner_coupons"
)
customer_orders = _list_asset("customer_orders", "customer_orders", "api_customer_orders")
measure_units = _list_asset("measure_units", "measure_units", "api_measure_units")
refund_orders = _with_load("refund_orders", fetch_refund_orders)
MONEY_LIST_ASSETS = (partner_coupons, partner_coupon_records, customer_orders, refund_orders, measure_units)
