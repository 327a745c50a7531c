"""The lists that explain money, each a table of its own: coupons issued to customers (`partner_coupons`) and
their records (`partner_coupon_records`), customer orders with their discounts (`customer_orders`), refund
orders (`refund_orders`, asked per unsubscribe, change and to-on-demand order) and measurement units
(`measure_units`). All but refund orders are pulled whole and replace the partner account's rows.

One fetch step sweeps the five (each API keeps its own token bucket) and one load step commits them: two
steps instead of ten, since Dagster's cost per step is larger than these small lists' sweeps.
Not partitioned; run by `money_lists_job` (`pbw backfill --datasets money_lists`; the run's day range, when it
has one, chooses the refund orders). Retry policy: fetch retried once on an outage (`retry_on_outage`), load
2x on a lock timeout (`retry_on_lock`).
"""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from dagster import AssetOut, In, OpExecutionContext, Out, Output, graph_multi_asset, op

from pipelines.fetching import (
    Fetched,
    SweepStats,
    commit_fetched,
    evidence,
    materialization_metadata,
    partner_domain_id,
    sweep,
)
from pipelines.holders import load_context
from pipelines.partitions import BEGIN_TAG, END_TAG
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.contract import LoadContext
from warehouse.loaders.money_lists import commit_money_list, stage_money_list

WHOLE_LISTS = ("partner_coupons", "partner_coupon_records", "customer_orders", "measure_units")
LISTS = (*WHOLE_LISTS, "refund_orders")
REFUND_ORDER_TYPES = ("3", "4", "10")
BEIJING = timedelta(hours=8)


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


def _fetch_refund_orders(
    partner_center: PartnerCenterResource, spool: Path, load: LoadContext, tags: Mapping[str, str]
) -> Fetched:
    """The orders that can refund paid in the run's day range (every one without a range), then each one's
    refund infos; the load replaces the refund orders of those orders alone."""
    window = payment_window(tags)
    requests = [("customer_orders", {"order_type": t, **window}) for t in REFUND_ORDER_TYPES]
    lookups = sweep(partner_center, requests, spool, keep_ids=True)
    order_ids = sorted({i for done in lookups for i in done.ids or ()})
    sweeps = sweep(partner_center, [("refund_orders", {"order_id": i}) for i in order_ids], spool)
    pages = [({"order_id": str(done.params["order_id"])}, done.page_files) for done in sweeps]
    batch = stage_money_list(
        "refund_orders", pages, spool, load, keys=order_ids, evidence=evidence("refund_orders", sweeps)
    )
    return Fetched(batch, spool, SweepStats.of(sweeps, lookups))


@op(pool="api_money_lists", out={name: Out(Fetched) for name in LISTS})
def fetch_money_lists(
    context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
) -> Any:
    """Sweep, parse, validate and stage each list in a spool folder of its own."""
    load = load_context(context.run_id, partner_domain_id(partner_center))
    for name in WHOLE_LISTS:
        spool = warehouse.spool_dir(context.run_id, name)
        sweeps = sweep(partner_center, [(name, {})], spool)
        pages: list[tuple[dict[str, str | None], list[Path]]] = [({}, done.page_files) for done in sweeps]
        batch = stage_money_list(name, pages, spool, load, evidence=evidence(name, sweeps))
        yield Output(Fetched(batch, spool, SweepStats.of(sweeps)), output_name=name)
    spool = warehouse.spool_dir(context.run_id, "refund_orders")
    yield Output(
        _fetch_refund_orders(partner_center, spool, load, context.run.tags), output_name="refund_orders"
    )


@op(
    pool="duckdb_writer",
    ins={name: In(Fetched) for name in LISTS},
    out={name: Out(is_required=True) for name in LISTS},
)
def load_money_lists(context: OpExecutionContext, warehouse: WarehouseResource, **fetched: Fetched) -> Any:
    """Commit each staged list in a transaction of its own (a rerun gives the same tables)."""
    for name in LISTS:
        report = commit_fetched(fetched[name], warehouse, commit_money_list)
        yield Output(None, output_name=name, metadata=materialization_metadata(fetched[name], report))


@graph_multi_asset(
    group_name="money_lists",
    outs={name: AssetOut(kinds={"duckdb"}, description=__doc__) for name in LISTS},
)
def money_lists() -> Any:
    """Fetch the five lists (pool api_money_lists) then load them (pool duckdb_writer)."""
    staged = fetch_money_lists()
    loaded = load_money_lists(**{name: getattr(staged, name) for name in LISTS})
    return {name: getattr(loaded, name) for name in LISTS}


MONEY_LIST_ASSETS = (money_lists,)
