"""Contract of `billing.incentive_records`: console export files (激励明细, XLSX or CSV; API reference §1.11).

There is no API and the full export column list is undocumented: headers are matched by the zh and en aliases
below (case, spaces and brackets ignored), in any order. An unknown header is schema drift (kept in `extra`);
a missing required header rejects the file, naming the header and the aliases it looked for.
"""

from __future__ import annotations

from decimal import Decimal

import pandera.polars as pa
import polars as pl

from schemas.columns import Column, DatasetSpec
from schemas.validation import RowChecks, RuleSettings, SRule, model_from_spec, with_s_rules


def _h(name: str, dtype: str = "VARCHAR", *headers: str, **kwargs: object) -> Column:
    return Column(name=name, dtype=dtype, wire=name, headers=headers, **kwargs)  # type: ignore[arg-type]


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
        _h(
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
        ),
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
        Column("source_file", source="request", nullable=False, doc="export file name"),
        Column("file_sha256", source="request", nullable=False, doc="content hash of the export file"),
    ),
)


class IncentiveRecordChecks(RowChecks):
    """Rules for incentive export rows."""

    @pa.dataframe_check
    @classmethod
    def period_is_month(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """incentive_period must be a YYYY-MM month"""
        return data.lazyframe.select(
            pl.col("incentive_period").str.contains(r"^\d{4}-(0[1-9]|1[0-2])$").fill_null(False)
        )


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
