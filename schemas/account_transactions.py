"""Contract of `billing.account_transactions`: `account-change-records` (API reference §1.3, §3).

Amounts arrive as strings; `balance_type` is the request's; `trade_date` is the Beijing date of trade_time.
"""

from __future__ import annotations

from decimal import Decimal

import pandera.polars as pa
import polars as pl

from schemas.columns import Column, DatasetSpec, holder_column, money, wire
from schemas.validation import RowChecks, RuleSettings, SRule, h1_currency_cny, model_from_spec, with_s_rules

SPEC = DatasetSpec(
    name="account_transactions",
    table="billing.account_transactions",
    endpoint="GET /v2/accounts/partner-accounts/account-change-records",
    records_field="records",
    partition_column="trade_date",
    partition_kind="date",
    key=("account_change_id", "indirect_partner_id"),  # serials of each account: a reseller's may repeat ours
    columns=(
        wire("account_change_id", key=True, required=True, nullable=False, doc="serial"),
        Column("balance_type", source="request", nullable=False, doc="the request's balance_type"),
        wire("trade_id"),
        Column("trade_time_utc", "TIMESTAMP", wire="trade_time", required=True, nullable=False, unit="UTC"),
        Column("trade_date", "DATE", source="derived", nullable=False, unit="Beijing date (UTC+8)"),
        money("change_amount", required=True, nullable=False, doc="sent as a string"),
        money("balance_after_change", doc="sent as a string"),
        Column("change_type", wire="type", required=True, doc="'1' income, '2' expense (wire `type`)"),
        wire("trade_detail_type", doc="SOURCE_OPERA(I)ION_* codes"),
        wire("customer_id", doc="only for BEADJUST/BERETRIEVE/BEUNBIND"),
        wire("account_name"),
        Column("currency", source="page"),
        holder_column("the reseller whose account changed; NULL for the partner's own account"),
    ),
)


class AccountTransactionChecks(RowChecks):
    """H rules of API reference §3 for account changes."""

    h1_currency_cny = h1_currency_cny

    @pa.dataframe_check
    @classmethod
    def change_type_known(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """type must be '1' (income) or '2' (expense)"""
        return data.lazyframe.select(pl.col("change_type").is_in(["1", "2"]).fill_null(False))


def _amount_sign(tolerance: Decimal) -> pl.Expr:
    return pl.col("change_amount") >= -tolerance


S_RULES: tuple[SRule, ...] = (
    SRule(
        "s9_amount_unsigned", "change_amount is unsigned; the direction is in `type` (§3 S9)", _amount_sign
    ),
)

AccountTransactionModel = model_from_spec("AccountTransactionModel", SPEC, AccountTransactionChecks)


def model(settings: RuleSettings) -> type[pa.DataFrameModel]:
    """The model with the H rules and the S rules `settings` switch on."""
    return with_s_rules(AccountTransactionModel, S_RULES, settings)
