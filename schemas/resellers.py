"""Contracts of a distributor's reseller data (API reference §1.3, §1.5, §1.8, §1.9).

Resellers, balances (the distributor's, each reseller's, each resale customer's), coupon quotas issued to
resellers with their issue/reclaim log, and fund allocations. `indirect_partner_id` is the request's
reseller where the API serves one view per reseller (NULL = the distributor's own), the record's own field
where the API lists every reseller at once (issued quotas and their records).
"""

from __future__ import annotations

from decimal import Decimal

import pandera.polars as pa
import polars as pl

from schemas.columns import Column, DatasetSpec, holder_column, money, wire
from schemas.validation import RowChecks, RuleSettings, model_from_spec

HOLDER_DOC = "the reseller the row was read for; NULL for the distributor's own"
SNAPSHOT_DATE = Column("snapshot_date", "DATE", source="derived", key=True, nullable=False,
                       unit="Beijing date (UTC+8)", doc="the day the balance was read")

INDIRECT_PARTNERS = DatasetSpec(
    name="indirect_partners",
    table="billing.indirect_partners",
    endpoint="POST /v2/partners/indirect-partners/query",
    records_field="indirect_partners",
    count_field="count",
    partition_column="indirect_partner_id",
    partition_kind="month",
    key=("indirect_partner_id",),
    columns=(
        wire("indirect_partner_id", key=True, required=True, nullable=False),
        wire("name"),
        wire("account_name"),
        wire("mobile_phone"),
        wire("email"),
        Column("associated_on_utc", "TIMESTAMP", wire="associated_on", unit="UTC"),
        wire("account_manager_id"),
        wire("account_manager_name"),
    ),
)

RESELLER_BALANCES = DatasetSpec(
    name="reseller_balances",
    table="billing.reseller_balances",
    endpoint="GET /v2/accounts/partner-accounts/balances",
    records_field="account_balances",
    count_field="count",
    partition_column="snapshot_date",
    partition_kind="date",
    key=("snapshot_date", "indirect_partner_id", "account_id"),
    columns=(
        SNAPSHOT_DATE,
        wire("account_id", key=True, required=True, nullable=False),
        wire("account_type", "INTEGER", doc="1 cash, 2 credit, 5 bonus, 7 deposit, 8 allocatable"),
        money("amount", doc="sent as a float; kept as the text sent"),
        wire("currency"),
        money("designated_amount"),
        money("credit_amount", doc="credit limit (account_type 2 only)"),
        wire("measure_id", "INTEGER", doc="1 = yuan"),
        wire("memo"),
        holder_column(HOLDER_DOC, appended=False, key=True),
    ),
)

CUSTOMER_BALANCES = DatasetSpec(
    name="customer_balances",
    table="billing.customer_balances",
    endpoint="POST /v2/accounts/customer-accounts/balances/batch-query",
    records_field="customer_balances",
    count_field="count",
    partition_column="snapshot_date",
    partition_kind="date",
    key=("snapshot_date", "indirect_partner_id", "customer_id"),
    columns=(
        SNAPSHOT_DATE,
        wire("customer_id", key=True, required=True, nullable=False),
        money("amount"),
        money("debt_amount"),
        wire("currency"),
        wire("measure_id", "INTEGER", doc="1 = yuan"),
        holder_column(HOLDER_DOC, appended=False, key=True),
    ),
)

ISSUED_COUPON_QUOTAS = DatasetSpec(
    name="issued_coupon_quotas",
    table="billing.issued_coupon_quotas",
    endpoint="GET /v2/partners/issued-coupon-quotas",
    records_field="quotas",
    partition_column="quota_id",
    partition_kind="month",
    key=("quota_id",),
    nested_fields=("limit_infos",),
    columns=(
        wire("quota_id", key=True, required=True, nullable=False),
        wire("quota_type", "INTEGER", doc="0 代金券, 1 现金券"),
        wire("quota_status", "INTEGER", doc="0 normal, 3 invalid, 4 adjusting, 5 frozen, 6 reclaimed"),
        money("quota_value"),
        money("balance"),
        wire("measure_id", "INTEGER", doc="1 = yuan"),
        wire("currency"),
        Column("create_time_utc", "TIMESTAMP", wire="create_time", unit="UTC"),
        Column("last_update_time_utc", "TIMESTAMP", wire="last_update_time", unit="UTC"),
        Column("effective_time_utc", "TIMESTAMP", wire="effective_time", unit="UTC"),
        Column("expire_time_utc", "TIMESTAMP", wire="expire_time", unit="UTC"),
        wire("limit_infos", "JSON", doc="[{limit_key, limit_values[]}]"),
        wire("indirect_partner_id", doc="the reseller the quota was issued to"),
        wire("indirect_partner_account_name"),
        wire("indirect_partner_name"),
        wire("parent_quota_id", doc="the distributor's quota it was cut from"),
    ),
)

COUPON_QUOTA_RECORDS = DatasetSpec(
    name="coupon_quota_records",
    table="billing.coupon_quota_records",
    endpoint="GET /v2/partners/coupon-quotas/records",
    records_field="records",
    partition_column="id",
    partition_kind="month",
    key=("id",),
    columns=(
        wire("id", key=True, required=True, nullable=False),
        wire("operator"),
        wire("operation_type", doc="'10' issue, '11' reclaim"),
        wire("quota_id"),
        wire("parent_quota_id"),
        money("amount", doc="> 0"),
        Column("operation_time_utc", "TIMESTAMP", wire="operation_time", unit="UTC"),
        Column("operation_date", "DATE", source="derived", unit="Beijing date (UTC+8)"),
        wire("result", doc="'0' ok, '-1' failed"),
        wire("indirect_partner_id", doc="the reseller the quota was issued to or reclaimed from"),
        wire("indirect_partner_account_name"),
        wire("indirect_partner_name"),
        wire("remark"),
    ),
)

ADJUST_RECORDS = DatasetSpec(
    name="adjust_records",
    table="billing.adjust_records",
    endpoint="GET /v3/accounts/partner-accounts/adjust-records",
    records_field="records",
    partition_column="operation_date",
    partition_kind="date",
    key=("indirect_partner_id", "trans_id", "customer_id", "operation_type", "operation_time_utc", "amount"),
    columns=(
        wire("trans_id"),
        wire("customer_id"),
        wire("customer_name"),
        wire("operation_type", doc="SOURCE_OPERATION_BEADJUST / _BERETRIEVE / _BEUNBIND"),
        money("amount", required=True, nullable=False, doc="sent as a string"),
        wire("currency"),
        wire("apply_scene"),
        Column(
            "operation_time_utc",
            "TIMESTAMP",
            wire="operation_time",
            required=True,
            nullable=False,
            unit="UTC",
        ),
        Column("operation_date", "DATE", source="derived", unit="Beijing date (UTC+8)"),
        wire("measure_id", "INTEGER", doc="1 = yuan"),
        wire("memo"),
        holder_column(HOLDER_DOC, appended=False),
    ),
)

SPECS: tuple[DatasetSpec, ...] = (
    INDIRECT_PARTNERS,
    RESELLER_BALANCES,
    CUSTOMER_BALANCES,
    ISSUED_COUPON_QUOTAS,
    COUPON_QUOTA_RECORDS,
    ADJUST_RECORDS,
)


class ResellerChecks(RowChecks):
    """No documented code rules beyond the casts and the key."""


class CurrencyChecks(RowChecks):
    """Money in CNY where the record says its currency (§3 H1; a null currency passes)."""

    @pa.dataframe_check
    @classmethod
    def currency_cny(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """currency must be CNY (§3 H1)"""
        return data.lazyframe.select(pl.col("currency").fill_null("CNY") == "CNY")


class QuotaRecordChecks(RowChecks):
    """§3 S8: a quota record's amount is > 0. Quarantined, not warned: the sign is the operation type's,
    so a record breaking it would be counted the wrong way by R5_QUOTA."""

    @pa.dataframe_check
    @classmethod
    def s8_amount_positive(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """a quota record's amount must be > 0 (§3 S8)"""
        return data.lazyframe.select((pl.col("amount") > Decimal(0)).fill_null(False))


_CHECKS: dict[str, type[RowChecks]] = {
    "indirect_partners": ResellerChecks,
    "reseller_balances": CurrencyChecks,
    "customer_balances": CurrencyChecks,
    "issued_coupon_quotas": CurrencyChecks,
    "coupon_quota_records": QuotaRecordChecks,
    "adjust_records": CurrencyChecks,
}
_MODELS = {
    spec.name: model_from_spec(f"{spec.name.title().replace('_', '')}Model", spec, _CHECKS[spec.name])
    for spec in SPECS
}


def model(spec: DatasetSpec, settings: RuleSettings) -> type[pa.DataFrameModel]:
    """The pandera model of one reseller dataset (no configurable S rules beyond S8 on quota records)."""
    del settings
    return _MODELS[spec.name]
