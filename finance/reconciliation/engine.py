"""Reconciliation R1-R5 and R8-R11, and R5_QUOTA, R6_FUNDS, R7_BALANCE for resellers, of one billing month
into marts.reconciliation_findings.

Each rule is one SQL model in finance/sql/ returning (kind, keys, left_amount, right_amount, detail); this
module binds the settings, classifies every row against the tolerance and records the run with its settings,
so a report can say which inferred rules ran and how.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from finance.reconciliation.settings import DEFAULT_PRODUCT, ReconciliationSettings
from warehouse.connection import registered, transaction
from warehouse.sqlfiles import sql

STATUSES: tuple[str, ...] = ("matched", "within_tolerance", "mismatched", "missing_left", "missing_right")
OK_STATUSES: frozenset[str] = frozenset({"matched", "within_tolerance"})

# Rule -> SQL models it runs, in order. R5 compares counts, which have no tolerance.
_RULE_MODELS: dict[str, tuple[str, ...]] = {
    "R1": ("reconcile_detail_to_bill",),
    "R2": ("reconcile_bill_to_transactions",),
    "R3": ("reconcile_incentives_to_consumption",),
    "R4": ("reconcile_incentives_to_payments",),
    "R5": ("check_sweep_counts", "check_duplicate_ids", "check_consumption_customers"),
    "R5_QUOTA": ("reconcile_quota_issues",),
    "R6_FUNDS": ("reconcile_reseller_funds",),
    "R7_BALANCE": ("reconcile_reseller_balances",),
    "R8": ("reconcile_coupons_to_deductions",),
    "R9": ("reconcile_refunds_to_refund_orders",),
    "R10": ("reconcile_reserved_fees_to_orders",),
    "R11": ("reconcile_payouts_to_topups",),
}
# The lists R8-R10 compare with (money_lists_job): a rule whose list was never loaded is skipped, and the
# run records only the rules that ran (the report lists them).
_RULE_LISTS: dict[str, str] = {
    "R8": "billing.partner_coupons",
    "R9": "billing.refund_orders",
    "R10": "billing.customer_orders",
    "R11": "billing.incentive_payout_applications",  # console payout exports (pbw load inbox)
}


_MONTHLESS = frozenset({"reconcile_quota_issues", "reconcile_reseller_balances"})
"""Models of a current state (quotas, balances): no month to bind."""


def _sql(name: str) -> str:
    return sql(name, package="finance")


@dataclass(frozen=True)
class ReconciliationResult:
    """What one run found; `findings` has the columns of marts.reconciliation_findings (keys as text)."""

    run_id: str
    month: str
    settings: ReconciliationSettings
    findings: pl.DataFrame

    @property
    def status_counts(self) -> dict[str, int]:
        """Rows per status, every status present."""
        counts = dict.fromkeys(STATUSES, 0)
        for status, n in self.findings.group_by("status").len().iter_rows():
            counts[status] = n
        return counts

    @property
    def unexplained(self) -> pl.DataFrame:
        """Findings outside the tolerance: what an asset check fails on."""
        return self.findings.filter(~pl.col("status").is_in(list(OK_STATUSES)))


def _params(settings: ReconciliationSettings, month: str, model: str) -> dict[str, Any]:
    common: dict[str, Any] = {} if model in _MONTHLESS else {"month": month}
    by_model: dict[str, dict[str, Any]] = {
        "reconcile_detail_to_bill": {
            "association_type": settings.association_type,
            "bill_types": list(settings.bill_types),
            "ri_charge_mode": settings.r1_ri_charge_mode,
        },
        "reconcile_bill_to_transactions": {
            "bill_types": list(settings.bill_types),
            "balance_types": list(settings.r2_balance_types),
            "trade_detail_types": list(settings.r2_trade_detail_types),
        },
        "drill_down_bill_to_transactions": {
            "balance_types": list(settings.r2_balance_types),
            "trade_detail_types": list(settings.r2_trade_detail_types),
            "association_type": settings.association_type,
        },
        "reconcile_incentives_to_consumption": {
            "base_column": settings.r3_base_column,
            "plan_names": [plan for plan, rates in settings.plan_rates.items() for _ in rates],
            "plan_products": [product for rates in settings.plan_rates.values() for product in rates],
            "plan_rates": [str(rate) for rates in settings.plan_rates.values() for rate in rates.values()],
            "default_product": DEFAULT_PRODUCT,
            "policy_products": list(settings.product_policies),
            "policy_codes": list(settings.product_policies.values()),
            "no_rebate_policies": list(settings.r3_no_rebate_policies),
            "excluded_bill_detail_types": list(settings.r3_excluded_bill_detail_types),
        },
        "reconcile_coupons_to_deductions": {"coupon_types": list(settings.r8_coupon_types)},
        "reconcile_refunds_to_refund_orders": {"refund_types": list(settings.r9_refund_bill_detail_types)},
        "reconcile_reserved_fees_to_orders": {
            "charging_modes": list(settings.r10_charging_modes),
            "order_bill_detail_types": list(settings.r10_order_bill_detail_types),
        },
        "reconcile_quota_issues": {
            "reclaimed_status": settings.r5q_reclaimed_status,
            "issue_operation": settings.r5q_issue_operation,
            "reclaim_operation": settings.r5q_reclaim_operation,
            "ok_result": settings.r5q_ok_result,
        },
        "reconcile_reseller_funds": {
            "balance_type": settings.r6_balance_type,
            "distributor_plus": list(settings.r6_distributor_plus),
            "distributor_minus": list(settings.r6_distributor_minus),
            "reseller_plus": list(settings.r6_reseller_plus),
            "reseller_minus": list(settings.r6_reseller_minus),
        },
        "reconcile_reseller_balances": {
            "balance_types": list(settings.r7_balance_types),
            "account_types": list(settings.r7_account_types),
        },
        "reconcile_incentives_to_payments": {
            "rebate_type": settings.r4_rebate_trade_detail_type,
            "window_days": settings.r4_window_days,
            "paid_status": settings.r4_paid_status,
            "paid_from": settings.r4_paid_from,
            "application_status": settings.r11_paid_status,
        },
        "reconcile_payouts_to_topups": {
            "rebate_type": settings.r4_rebate_trade_detail_type,
            "window_days": settings.r11_window_days,
            "paid_status": settings.r11_paid_status,
            "match": settings.r11_match,
        },
    }
    return common | by_model.get(model, {})


def reconcile_month(
    con: duckdb.DuckDBPyConnection,
    month: str,
    settings: ReconciliationSettings | None = None,
    run_id: str | None = None,
) -> ReconciliationResult:
    """Run the configured rules for `month` (YYYY-MM) in one transaction and return the findings.

    Without `settings`, they come from the environment (see ReconciliationSettings.from_environment).

    Earlier runs stay in the marts (the run_id tells them apart); reports read the latest run of a month.
    """
    dt.date.fromisoformat(f"{month}-01")
    settings = settings or ReconciliationSettings.from_environment()
    run_id = run_id or f"recon-{month}-{uuid.uuid4().hex[:12]}"
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with transaction(con):
        rules = [r for r in settings.rules if _list_loaded(con, r)]
        for rule in rules:
            tolerance = Decimal(0) if rule == "R5" else settings.tolerance
            for model in _RULE_MODELS[rule]:
                rows = con.sql(_sql(model), params=_params(settings, month, model)).to_arrow_table()
                with registered(con, "rule_rows", rows):
                    con.execute(
                        _sql("insert_findings"),
                        {"run_id": run_id, "month": month, "rule": rule, "tolerance": str(tolerance)},
                    )
            if rule == "R2":
                params = _params(settings, month, "drill_down_bill_to_transactions")
                drill = con.sql(_sql("drill_down_bill_to_transactions"), params=params).to_arrow_table()
                with registered(con, "drill_rows", drill):
                    con.execute(_sql("insert_drilldown"), {"run_id": run_id, "month": month})
        con.execute(
            _sql("insert_reconciliation_run"),
            {
                "run_id": run_id,
                "month": month,
                "settings": json.dumps(settings.as_json()),
                "rules": json.dumps(rules),
                "started_at_utc": started,
                "finished_at_utc": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            },
        )
    return ReconciliationResult(run_id, month, settings, load_findings(con, run_id))


def _list_loaded(con: duckdb.DuckDBPyConnection, rule: str) -> bool:
    """False for R8-R11 when the list they compare with holds no rows (money_lists_job never ran; for R11
    no payout-applications export was ever loaded)."""
    table = _RULE_LISTS.get(rule)
    if table is None:
        return True
    return con.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchall() == [(True,)]


def load_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """The findings of one run as polars (keys as JSON text)."""
    return con.sql(_sql("select_findings"), params={"run_id": run_id}).pl()
