"""Contract of `billing.incentive_records`: console export files (激励明细, XLSX or CSV; API reference §1.11).

There is no API and the full export column list is undocumented: headers are matched by the zh and en aliases
below (case, spaces and brackets ignored), in any order. An unknown header is schema drift (kept in `extra`);
a missing required header rejects the file, naming the header and the aliases it looked for.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pandera.polars as pa
import polars as pl

from schemas.columns import Column, DatasetSpec
from schemas.columns import console_column as _h
from schemas.validation import RowChecks, RuleSettings, SRule, model_from_spec, with_s_rules

INCENTIVE_PERIOD = _h(
    "incentive_period",
    "VARCHAR",
    "对账期次",
    "激励期次",
    "Reconciliation Period",
    "Incentive Period",
    "Period",
    required=True,
    nullable=False,
    unit="YYYY-MM",
)
"""The month an incentive (and a payout application) belongs to, as both console exports head it."""
FILE_COLUMNS = (
    Column("source_file", source="request", nullable=False, doc="export file name"),
    Column("file_sha256", source="request", nullable=False, doc="content hash of the export file"),
)
"""Which export file a row came from (every console export)."""

SPEC = DatasetSpec(
    name="incentive_records",
    table="billing.incentive_records",
    endpoint="console export 销售 > 激励 > 激励管理 > 激励明细",
    records_field="",
    partition_column="incentive_period",
    partition_kind="month",
    key=("incentive_data_id",),
    columns=(
        _h("incentive_bill_id", "VARCHAR", "激励账单ID", "Incentive Bill ID", required=True),
        _h(
            "incentive_data_id",
            "VARCHAR",
            "激励数据ID",
            "Incentive Data ID",
            key=True,
            required=True,
            nullable=False,
        ),
        _h("year", "INTEGER", "年份", "Year"),
        INCENTIVE_PERIOD,
        _h(
            "plan_name",
            "VARCHAR",
            "激励计划名称",
            "激励计划",
            "Incentive Plan",
            "Incentive Plan Name",
            "Plan Name",
        ),
        _h("order_id", "VARCHAR", "订单号", "订单ID", "Order No", "Order No.", "Order ID", "Order Number"),
        _h("customer_name", "VARCHAR", "客户名称", "Customer Name"),
        _h(
            "customer_account",
            "VARCHAR",
            "客户账号名",
            "客户账号",
            "Customer Account",
            "Customer Account Name",
        ),
        _h(
            "account_manager",
            "VARCHAR",
            "客户经理姓名",
            "客户经理",
            "Account Manager",
            "Account Manager Name",
        ),
        _h("product_type", "VARCHAR", "产品类型", "Product Type", doc="a service_type_code"),
        _h("association_type", "VARCHAR", "关联类型", "Association Type"),
        _h("charging_mode", "VARCHAR", "计费模式", "Billing Mode", "Charging Mode"),
        _h(
            "base_amount",
            "DECIMAL",
            "基础金额",
            "激励基数",
            "基数金额",
            "计算基数",
            "Base Amount",
            "Incentive Base",
            money=True,
            required=True,
            unit="CNY (yuan)",
        ),
        _h("rate", "DECIMAL", "激励比例", "激励费率", "返点比例", "Rate", "Incentive Rate", doc="fraction"),
        _h(
            "incentive_amount",
            "DECIMAL",
            "激励金额",
            "Incentive Amount",
            money=True,
            required=True,
            nullable=False,
            unit="CNY (yuan)",
        ),
        Column("status", source="derived", doc="canonical English: paid, pending, processing, ..., other"),
        _h("status_raw", "VARCHAR", "状态", "Status", "激励状态", "Incentive Status"),
        _h("reseller_name", "VARCHAR", "二级经销商名称", "Reseller Name", "Reseller"),
        *FILE_COLUMNS,
    ),
)


PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
"""An incentive period: YYYY-MM with a real month (Beijing billing month)."""


def is_period(text: str | None) -> bool:
    """True for a real YYYY-MM month (what may be recorded as a partition)."""
    return text is not None and re.match(PERIOD_PATTERN, text) is not None


class IncentiveRecordChecks(RowChecks):
    """H rules for incentive export rows (always quarantine, not configurable): the period is a month, the
    rate a fraction within 0..1 and the base not negative (a sign or unit slip in an edited export)."""

    @pa.dataframe_check
    @classmethod
    def period_is_month(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """incentive_period must be a YYYY-MM month"""
        return data.lazyframe.select(
            pl.col("incentive_period").str.contains(PERIOD_PATTERN).fill_null(False)
        )

    @pa.dataframe_check
    @classmethod
    def rate_is_fraction(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """rate must be a fraction from 0 to 1 (0% to 100%)"""
        return data.lazyframe.select(
            ((pl.col("rate") >= 0) & (pl.col("rate") <= 1)).fill_null(True).alias("rate")
        )

    @pa.dataframe_check
    @classmethod
    def base_not_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """base_amount must not be negative"""
        return data.lazyframe.select((pl.col("base_amount") >= 0).fill_null(True).alias("base_amount"))


def _amount_is_base_times_rate(tolerance: Decimal) -> pl.Expr:
    expected = pl.col("base_amount") * pl.col("rate")
    return (pl.col("incentive_amount") - expected).abs() <= tolerance


S_RULES: tuple[SRule, ...] = (
    SRule("s_incentive_amount", "incentive_amount ≈ base_amount × rate", _amount_is_base_times_rate),
)

IncentiveRecordModel = model_from_spec("IncentiveRecordModel", SPEC, IncentiveRecordChecks)


def model(settings: RuleSettings) -> type[pa.DataFrameModel]:
    """The model with its rules and the S rules `settings` switch on."""
    return with_s_rules(IncentiveRecordModel, S_RULES, settings)
