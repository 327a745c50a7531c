"""Contract of `billing.incentive_payout_applications`: console export 激励申付 > 申请记录
(API reference §1.11).

No API, and the reference lists only some of the export's columns (?): 申付单号 (application no.),
状态, and the amount. Headers are matched by the zh/en aliases below plus any a partner adds in the
payout export config (`PBW_PAYOUT_HEADERS`, see README), in any order;
an unknown header is drift (kept in `extra`).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.columns import Column, DatasetSpec
from schemas.columns import console_column as _h
from schemas.incentive_records import FILE_COLUMNS, INCENTIVE_PERIOD, PERIOD_PATTERN
from schemas.validation import RowChecks, RuleSettings, SRule, model_from_spec, with_s_rules

SPEC = DatasetSpec(
    name="incentive_payout_applications",
    table="billing.incentive_payout_applications",
    endpoint="console export 销售 > 激励 > 激励申付 > 申请记录",
    records_field="",
    partition_column="incentive_period",
    partition_kind="month",
    key=("application_no",),
    columns=(
        _h(
            "application_no",
            "VARCHAR",
            "申付单号",
            "申请单号",
            "Application No.",
            "Application No",
            "Application Number",
            key=True,
            required=True,
            nullable=False,
        ),
        INCENTIVE_PERIOD,
        _h(
            "applied_amount",
            "DECIMAL",
            "申付金额",
            "申请金额",
            "Applied Amount",
            "Application Amount",
            "Amount",
            money=True,
            required=True,
            nullable=False,
            unit="CNY (yuan)",
        ),
        Column("status", source="derived", doc="canonical English: paid (已完成), reviewing, rejected, ..."),
        _h("status_raw", "VARCHAR", "状态", "申付状态", "Status", required=True, nullable=False),
        _h(
            "applied_at",
            "VARCHAR",
            "申请时间",
            "Application Time",
            "Applied At",
            unit="YYYY-MM-DD HH:MM:SS, Beijing time as exported",
        ),
        _h(
            "incentive_bill_ids",
            "VARCHAR",
            "激励账单ID",
            "激励账单",
            "Incentive Bill ID",
            "Incentive Bill IDs",
            doc="the incentive bills the application covers, comma separated",
        ),
        *FILE_COLUMNS,
    ),
)

APPLIED_AT_PATTERN = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$"


class PayoutApplicationChecks(RowChecks):
    """H rules (always quarantine): the period is a month, the amount not negative, the time a date-time."""

    @pa.dataframe_check
    @classmethod
    def period_is_month(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """incentive_period must be a YYYY-MM month"""
        return data.lazyframe.select(
            pl.col("incentive_period").str.contains(PERIOD_PATTERN).fill_null(False)
        )

    @pa.dataframe_check
    @classmethod
    def amount_not_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """applied_amount must not be negative"""
        return data.lazyframe.select((pl.col("applied_amount") >= 0).fill_null(True).alias("applied_amount"))

    @pa.dataframe_check
    @classmethod
    def applied_at_is_time(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """applied_at must be YYYY-MM-DD[ HH:MM[:SS]]"""
        return data.lazyframe.select(
            pl.col("applied_at").str.contains(APPLIED_AT_PATTERN).fill_null(True).alias("applied_at")
        )


S_RULES: tuple[SRule, ...] = ()

PayoutApplicationModel = model_from_spec("PayoutApplicationModel", SPEC, PayoutApplicationChecks)


def model(settings: RuleSettings) -> type[pa.DataFrameModel]:
    """The model with its rules (no S rules yet)."""
    return with_s_rules(PayoutApplicationModel, S_RULES, settings)
