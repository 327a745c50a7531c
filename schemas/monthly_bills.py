"""Contract of `billing.monthly_bills` and `billing.monthly_bill_account_details` (`monthly-sum`, §1.2, §3).

The API sends no cycle: the loader keeps the requested one. `version` is assigned by the loader (a new version
only when the content hash of the cycle changed).
"""

from __future__ import annotations

from decimal import Decimal

import pandera.polars as pa
import polars as pl

from schemas.codes import NEGATIVE_BILL_TYPES
from schemas.columns import Column, DatasetSpec, holder_column, money, wire
from schemas.validation import RowChecks, RuleSettings, SRule, h1_currency_cny, model_from_spec, with_s_rules

KEY: tuple[str, ...] = (
    "cycle",
    "customer_id",
    "cloud_service_type",
    "resource_type_code",
    "charge_mode",
    "bill_type",
    "indirect_partner_id",
)
DETAILS_SUM = "_details_sum"

SPEC = DatasetSpec(
    name="monthly_bills",
    table="billing.monthly_bills",
    endpoint="GET /v2/bills/partner-bills/subcustomer-bills/monthly-sum",
    records_field="bill_sums",
    count_field="count",
    partition_column="cycle",
    partition_kind="month",
    key=KEY,
    nested_fields=("account_details",),
    columns=(
        Column(
            "cycle",
            source="request",
            key=True,
            nullable=False,
            unit="YYYY-MM, Beijing time",
            doc="the requested cycle (the API sends none)",
        ),
        wire("customer_id", key=True, required=True, nullable=False),
        wire("cloud_service_type", key=True),
        wire("cloud_service_type_name"),
        wire("resource_type_code", key=True),
        wire("resource_type_name"),
        wire(
            "bill_type",
            "SMALLINT",
            key=True,
            required=True,
            nullable=False,
            doc="0 consumption, 1 unsubscribe, 2 write-off",
        ),
        wire(
            "charge_mode",
            "SMALLINT",
            key=True,
            required=True,
            nullable=False,
            doc="1 yearly/monthly, 3 on-demand, 11 savings plan",
        ),
        money("amount", required=True, nullable=False, doc="pre-tax; negative for bill_type 1/2"),
        money("debt_amount"),
        money("adjustment_amount", doc="arrears write-off"),
        money("discount_amount"),
        wire("measure_id", "INTEGER", doc="1 = yuan"),
        Column("currency", source="page"),
        Column("version", "INTEGER", source="derived", nullable=False, doc="content version of the cycle"),
        holder_column(),
    ),
)

DETAILS_SPEC = DatasetSpec(
    name="monthly_bill_account_details",
    table="billing.monthly_bill_account_details",
    endpoint=SPEC.endpoint,
    records_field="account_details",  # flattened by the loader: parent keys + balance_type, amount
    count_field="count",
    partition_column="cycle",
    partition_kind="month",
    key=(*KEY, "balance_type"),
    columns=(
        Column("cycle", source="request", key=True, nullable=False),
        wire("customer_id", key=True, nullable=False, doc="of the parent row"),
        wire("cloud_service_type", key=True, doc="of the parent row"),
        wire("resource_type_code", key=True, doc="of the parent row"),
        wire("charge_mode", "SMALLINT", key=True, nullable=False, doc="of the parent row"),
        wire("bill_type", "SMALLINT", key=True, nullable=False, doc="of the parent row"),
        wire("balance_type", key=True),
        money("amount", doc="negative for bill_type 1/2"),
        Column("version", "INTEGER", source="derived", nullable=False),
        holder_column(),
    ),
)


def _refund_not_positive(amount: str) -> pl.Expr:
    """§3 H3: `amount` must be ≤ 0 on rows of bill_type 1 or 2 (refunds, adjustments); a null passes."""
    negative = pl.col("bill_type").is_in(list(NEGATIVE_BILL_TYPES))
    return (~negative | (pl.col(amount) <= 0)).fill_null(True)


class MonthlyBillChecks(RowChecks):
    """H rules of API reference §3 for monthly-sum rows."""

    h1_currency_cny = h1_currency_cny

    @pa.dataframe_check
    @classmethod
    def h1_measure_yuan(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """measure_id must be 1 (yuan) (§3 H1)"""
        return data.lazyframe.select(pl.col("measure_id").fill_null(1) == 1)

    @pa.dataframe_check
    @classmethod
    def h3_refund_amount_not_positive(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """amount must be ≤ 0 when bill_type is 1 or 2 (§3 H3)"""
        return data.lazyframe.select(_refund_not_positive("amount"))

    @pa.dataframe_check
    @classmethod
    def h3_details_not_positive(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """every account_details amount must be ≤ 0 when bill_type is 1 or 2 (§3 H3)"""
        if "_details_max" not in data.lazyframe.collect_schema().names():
            return data.lazyframe.select(pl.lit(True))
        return data.lazyframe.select(_refund_not_positive("_details_max"))


class AccountDetailChecks(RowChecks):
    """H rules for the account_details of a monthly-sum row."""

    @pa.dataframe_check
    @classmethod
    def h3_details_not_positive(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """amount must be ≤ 0 when bill_type is 1 or 2 (§3 H3)"""
        return data.lazyframe.select(_refund_not_positive("amount"))


def _details_sum(tolerance: Decimal) -> pl.Expr:
    """Arrears (debt_amount) and written-off arrears (adjustment_amount) are paid from no balance, so they
    have no account detail of their own (inferred; both are 0 or absent on most rows)."""
    arrears = pl.col("debt_amount").fill_null(Decimal(0)) + pl.col("adjustment_amount").fill_null(Decimal(0))
    return (pl.col(DETAILS_SUM) + arrears - pl.col("amount")).abs() <= tolerance


S_RULES: tuple[SRule, ...] = (
    SRule(
        "s3_details_sum",
        "Σ account_details[].amount + debt_amount + adjustment_amount = amount (§3 S3, arrears inferred)",
        _details_sum,
    ),
)

MonthlyBillModel = model_from_spec("MonthlyBillModel", SPEC, MonthlyBillChecks)
AccountDetailModel = model_from_spec("AccountDetailModel", DETAILS_SPEC, AccountDetailChecks)


def model(settings: RuleSettings) -> type[pa.DataFrameModel]:
    """The monthly-sum model with the H rules and the S rules `settings` switch on."""
    return with_s_rules(MonthlyBillModel, S_RULES, settings)
