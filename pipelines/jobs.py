"""Asset jobs: what one scheduled, sensed or CLI-launched run materializes.

Jobs select assets by key so this module does not depend on the dataset modules; their partitions are
inferred from the assets (`define_asset_job(partitions_def=...)` is deprecated).
"""

from __future__ import annotations

from dagster import AssetCheckKey, AssetKey, AssetSelection, define_asset_job

DAILY_ASSETS = ("customers", "resellers", "consumption_records", "account_transactions")
BILLS_ASSETS = ("monthly_bills", "consumption_resweeps")
"""The bills, then the re-sweep of fee records their changes asked for (same run, in this order)."""
MONTHLY_CLOSE_ASSETS = (*BILLS_ASSETS, "reconciliation", "invoices")
FRESHNESS_CHECKED = ("consumption_records", "account_transactions")
MONEY_LIST_ASSETS = (
    "partner_coupons",
    "partner_coupon_records",
    "customer_orders",
    "refund_orders",
    "measure_units",
)


def assets_with_load_checks(*names: str) -> AssetSelection:
    """The assets and the checks judging their load; freshness checks run from their own sensor."""
    freshness = [AssetCheckKey(AssetKey(n), "freshness") for n in names if n in FRESHNESS_CHECKED]
    return AssetSelection.assets(*names) - AssetSelection.checks(*freshness)


daily_job = define_asset_job(
    "daily_job",
    selection=assets_with_load_checks(*DAILY_ASSETS),
    description="Customers, resellers (balances, quotas, allocations), consumption records and account "
    "transactions for days D-k..D in one run.",
)

bills_job = define_asset_job(
    "bills_job",
    selection=assets_with_load_checks(*BILLS_ASSETS),
    description="Monthly bill summaries of the open month and the previous one until it is final, then the "
    "re-sweep of fee records of customers whose bill of an ended month changed.",
)

monthly_close_job = define_asset_job(
    "monthly_close_job",
    selection=assets_with_load_checks(*MONTHLY_CLOSE_ASSETS),
    description="Final pull of month M's bills, then reconciliation and invoices for M.",
)

incentives_job = define_asset_job(
    "incentives_job",
    selection=assets_with_load_checks("incentive_records"),
    description="Loads one console incentive export dropped into the inbox.",
)

money_lists_job = define_asset_job(
    "money_lists_job",
    selection=AssetSelection.assets(*MONEY_LIST_ASSETS),
    description="Coupons issued to customers and their records, customer orders, refund orders and "
    "measurement units, each pulled whole.",
)

freshness_job = define_asset_job(
    "freshness_job",
    selection=AssetSelection.checks(*(AssetCheckKey(AssetKey(n), "freshness") for n in FRESHNESS_CHECKED)),
    description="Checks that yesterday's partitions were loaded (run at 08:00 Beijing).",
)
