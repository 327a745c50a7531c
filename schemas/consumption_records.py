"""Contract of `billing.consumption_records`: fee records of `res-fee-records` (API reference §1.1, §3)."""

from __future__ import annotations

from decimal import Decimal

import pandera.polars as pa
import polars as pl

from schemas.codes import CONSUMPTION_BILL_DETAIL_TYPES, REFUND_BILL_DETAIL_TYPES
from schemas.columns import Column, DatasetSpec, holder_column, money, wire
from schemas.validation import RowChecks, RuleSettings, SRule, h1_currency_cny, model_from_spec, with_s_rules

SPLIT_COLUMNS: tuple[str, ...] = (
    "cash_amount",
    "credit_amount",
    "coupon_amount",
    "flexipurchase_coupon_amount",
    "stored_value_card_amount",
    "debt_amount",
    "writeoff_amount",
)

SPEC = DatasetSpec(
    name="consumption_records",
    table="billing.consumption_records",
    endpoint="GET /v2/bills/subcustomer-bills/res-fee-records",
    records_field="fee_records",
    partition_column="bill_date",
    partition_kind="date",
    key=("id",),
    columns=(
        wire("id", key=True, required=True, nullable=False, doc="fee record id (unique)"),
        Column(
            "bill_date",
            "DATE",
            source="derived",
            nullable=False,
            unit="Beijing date (UTC+8)",
            doc="trade_time (or consume_time, PBW_BILL_DATE_FROM) converted to UTC+8",
        ),
        wire("bill_cycle", required=True, nullable=False, unit="YYYY-MM, Beijing time"),
        wire("customer_id", required=True, nullable=False),
        wire("association_type", doc="'1' referral, '2' resale"),
        wire("partner_id"),
        wire("account_manager_id"),
        wire("enterprise_project_id"),
        wire("service_type_code"),
        wire("service_type_name"),
        wire("resource_type_code"),
        wire("resource_type_name"),
        wire("region_code"),
        wire("region_name"),
        wire("resource_id"),
        wire("resource_name"),
        wire("resource_tag"),
        wire("product_id"),
        wire("product_name"),
        wire("product_spec_desc"),
        wire("sub_service_type_code"),
        wire("sub_service_type_name"),
        wire("sub_resource_type_code"),
        wire("sub_resource_type_name"),
        wire("sub_resource_id"),
        wire("sub_resource_name"),
        wire(
            "charging_mode",
            "INTEGER",
            required=True,
            doc="1 yearly/monthly, 3 on-demand, 10 RI, 11 savings plan",
        ),
        wire("bill_detail_type", "INTEGER", required=True, doc="codes in schemas.codes.BILL_DETAIL_TYPE"),
        wire("order_type", "INTEGER"),
        wire("trade_id"),
        wire("payment_type"),
        wire("period_type", "INTEGER", doc="19 year, 20 month, 24 day, 25 hour, 5 one-off"),
        wire("period_num", "DECIMAL"),
        Column(
            "trade_time_utc", "TIMESTAMP", wire="trade_time", required=True, unit="UTC", doc="deduction time"
        ),
        Column("consume_time_utc", "TIMESTAMP", wire="consume_time", unit="UTC"),
        wire("usage_type"),
        wire("usage_amount", "DECIMAL", unit="usage_measure_id"),
        wire("usage_measure_id", "INTEGER"),
        wire("free_resource_usage", "DECIMAL", unit="free_resource_measure_id"),
        wire("free_resource_measure_id", "INTEGER"),
        wire("ri_usage", "DECIMAL", unit="ri_usage_measure_id"),
        wire("ri_usage_measure_id", "INTEGER"),
        money("official_amount", doc="list price"),
        money("official_discount_amount", doc="discount"),
        money("payment_amount", required=True, doc="payable (refunds negative)"),
        money("cash_amount"),
        money("credit_amount"),
        money("coupon_amount"),
        money("flexipurchase_coupon_amount"),
        money("stored_value_card_amount"),
        money("debt_amount"),
        money("writeoff_amount"),
        Column("currency", source="page", doc="page envelope currency"),
        holder_column("the reseller whose view the record came from; NULL for the distributor's own"),
    ),
)


class ConsumptionRecordChecks(RowChecks):
    """H rules of API reference §3 for fee records; a failing row is quarantined."""

    h1_currency_cny = h1_currency_cny

    @pa.dataframe_check
    @classmethod
    def h1_bill_date_in_cycle(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """bill_date (UTC+8) must fall inside bill_cycle (§3 H1)"""
        return data.lazyframe.select(
            (pl.col("bill_date").dt.strftime("%Y-%m") == pl.col("bill_cycle")).fill_null(True)
        )

    @pa.dataframe_check
    @classmethod
    def h1_trade_time_in_cycle(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """trade_time converted to UTC+8 must fall inside bill_cycle (§3 H1)"""
        local = pl.col("trade_time_utc") + pl.duration(hours=8)
        return data.lazyframe.select((local.dt.strftime("%Y-%m") == pl.col("bill_cycle")).fill_null(True))


def _zero(name: str) -> pl.Expr:
    return pl.col(name).fill_null(Decimal(0))


def _payment_split(tolerance: Decimal) -> pl.Expr:
    split = pl.sum_horizontal([_zero(c) for c in SPLIT_COLUMNS])
    return (pl.col("payment_amount") - split).abs() <= tolerance


def _list_minus_discount(tolerance: Decimal) -> pl.Expr:
    diff = _zero("official_amount") - _zero("official_discount_amount") - pl.col("payment_amount")
    return diff.abs() <= tolerance


def _refund_sign(tolerance: Decimal) -> pl.Expr:
    kind = pl.col("bill_detail_type")
    amount = pl.col("payment_amount")
    return (
        pl.when(kind.is_in(list(REFUND_BILL_DETAIL_TYPES)))
        .then(amount <= 0)
        .when(kind.is_in(list(CONSUMPTION_BILL_DETAIL_TYPES)))
        .then(amount >= 0)
        .otherwise(True)
    )


S_RULES: tuple[SRule, ...] = (
    SRule(
        "s4_payment_split",
        "payment_amount = cash + credit + coupon + flexipurchase coupon + stored-value "
        "card + debt + writeoff (§3 S4)",
        _payment_split,
    ),
    SRule(
        "s5_list_minus_discount",
        "official_amount - official_discount_amount ≈ payment_amount (§3 S5; rounding 抹零 can break it)",
        _list_minus_discount,
    ),
    SRule("s6_refund_sign", "refund bill types 4/20/24 ≤ 0, consumption types ≥ 0 (§3 S6)", _refund_sign),
)

ConsumptionRecordModel = model_from_spec("ConsumptionRecordModel", SPEC, ConsumptionRecordChecks)


def model(settings: RuleSettings) -> type[pa.DataFrameModel]:
    """The model with the H rules and the S rules `settings` switch on."""
    return with_s_rules(ConsumptionRecordModel, S_RULES, settings)
