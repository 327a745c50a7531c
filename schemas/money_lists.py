"""Contracts of the lists that explain where money came from, each pulled whole: coupons the partner issued
to its customers and their records (promotions), customer orders with their discounts (§1.6), refund orders
and measurement units. Field names follow the official SDK's models (the reference does not detail them)."""

from __future__ import annotations

import pandera.polars as pa

from schemas.columns import LIST_HOLDER_DOC, Column, DatasetSpec, holder_column, money, wire
from schemas.validation import RowChecks, RuleSettings, model_from_spec


def _utc(name: str, doc: str = "") -> Column:
    return Column(f"{name}_utc", "TIMESTAMP", wire=name, unit="UTC", doc=doc)


PARTNER_COUPONS = DatasetSpec(
    name="partner_coupons",
    table="billing.partner_coupons",
    endpoint="GET /v2/promotions/benefits/partner-coupons",
    records_field="user_coupons",
    partition_column="coupon_id",
    partition_kind="month",
    key=("coupon_id",),
    nested_fields=("use_limits",),
    columns=(
        wire("coupon_id", key=True, required=True, nullable=False),
        wire("status", "INTEGER", doc="1 inactive, 2 usable, 3 used, 4 expired, 5 reclaimed"),
        wire("customer_id", nullable=False),
        wire("coupon_type", "INTEGER", doc="1 voucher (代金券), 4 cash coupon (现金券)"),
        wire("measure_id", "INTEGER"),
        money("face_value", nullable=False),
        money("balance", nullable=False, doc="unused part: face_value - balance = the used amount"),
        _utc("effective_time"),
        _utc("expire_time"),
        wire("order_id", doc="the order the coupon was issued for / paid"),
        wire("promotion_plan_id"),
        wire("promotion_plan_name"),
        wire("promotion_plan_desc"),
        wire("media_type", "INTEGER"),
        wire("fetch_method", "INTEGER"),
        wire("use_limits", "JSON"),
        _utc("active_time"),
        _utc("last_used_time"),
        wire("promotion_id"),
        _utc("create_time"),
        wire("lock_order_id"),
        wire("is_frozen"),
        holder_column(LIST_HOLDER_DOC, appended=False),
    ),
)

PARTNER_COUPON_RECORDS = DatasetSpec(
    name="partner_coupon_records",
    table="billing.partner_coupon_records",
    endpoint="GET /v2/promotions/benefits/partner-coupons/records/query",
    records_field="records",
    partition_column="id",
    partition_kind="month",
    key=("id",),
    columns=(
        wire("id", key=True, required=True, nullable=False),
        wire("operation_type", doc="1 issue, 2 reclaim, 3-8 automatic reclaims, 9 reseller transfer"),
        wire("quota_id"),
        wire("quota_type", "INTEGER"),
        wire("coupon_id", nullable=False),
        wire("customer_id"),
        money("operation_amount"),
        _utc("operation_time"),
        wire("result", doc="'0' ok, '-1' failed"),
        wire("remark"),
        holder_column(LIST_HOLDER_DOC, appended=False),
    ),
)

CUSTOMER_ORDERS = DatasetSpec(
    name="customer_orders",
    table="billing.customer_orders",
    endpoint="GET /v2/orders/customer-orders",
    records_field="order_infos",
    partition_column="order_id",
    partition_kind="month",
    key=("order_id",),
    nested_fields=("amount_info", "enterprise_projects", "sub_order_infos", "agent_pay_info"),
    columns=(
        wire("order_id", key=True, required=True, nullable=False),
        wire("customer_id", nullable=False),
        wire("service_type_code"),
        wire("service_type_name"),
        wire("source_type", "INTEGER"),
        wire("status", "INTEGER", doc="5 completed, ..."),
        wire("order_type", "INTEGER", doc="1 new, 2 renew, 3 change, 4 unsubscribe, 10 to on-demand, ..."),
        money("amount_after_discount", doc="a float on the wire, read exactly from the JSON text"),
        money("official_amount"),
        wire("measure_id", "INTEGER"),
        _utc("create_time"),
        _utc("payment_time"),
        wire("currency"),
        wire("contract_id"),
        wire(
            "amount_info", "JSON", doc="discounts[] {discount_type, discount_amount}, coupon and card parts"
        ),
        wire("enterprise_projects", "JSON"),
        wire("sub_order_infos", "JSON"),
        wire("agent_pay_info", "JSON"),
        holder_column(LIST_HOLDER_DOC, appended=False),
    ),
)

REFUND_ORDERS = DatasetSpec(
    name="refund_orders",
    table="billing.refund_orders",
    endpoint="GET /v2/orders/customer-orders/refund-orders",
    records_field="refund_infos",
    partition_column="order_id",
    partition_kind="month",
    key=("id",),
    columns=(
        wire("id", key=True, required=True, nullable=False),
        Column("order_id", source="request", nullable=False, doc="the refund (unsubscribe/downgrade) order"),
        money("amount", nullable=False, doc="refunded, positive"),
        wire("measure_id"),
        wire("customer_id"),
        wire("resource_type_code"),
        wire("service_type_code"),
        wire("resource_type_name"),
        wire("service_type_name"),
        wire("region_code"),
        wire("base_order_id", doc="the order whose resource was refunded"),
        holder_column(LIST_HOLDER_DOC, appended=False),
    ),
)

MEASURE_UNITS = DatasetSpec(
    name="measure_units",
    table="billing.measure_units",
    endpoint="GET /v2/bases/measurements",
    records_field="measure_units",
    partition_column="measure_id",
    partition_kind="month",
    key=("measure_id",),
    columns=(
        wire("measure_id", "INTEGER", key=True, required=True, nullable=False),
        wire("measure_name"),
        wire("abbreviation"),
        wire("measure_type", "INTEGER", doc="1 currency, 2 duration, 3 traffic, 4 quantity, 7 capacity, ..."),
    ),
)

SPECS: tuple[DatasetSpec, ...] = (
    PARTNER_COUPONS,
    PARTNER_COUPON_RECORDS,
    CUSTOMER_ORDERS,
    REFUND_ORDERS,
    MEASURE_UNITS,
)
MODELS: dict[str, type[pa.DataFrameModel]] = {
    spec.name: model_from_spec(f"{spec.name.title().replace('_', '')}Model", spec, RowChecks)
    for spec in SPECS
}


def model(name: str, settings: RuleSettings) -> type[pa.DataFrameModel]:
    """These lists have no S rules; the settings are accepted for a uniform interface."""
    del settings
    return MODELS[name]
