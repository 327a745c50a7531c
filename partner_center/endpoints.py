"""A typed description of every Partner Center endpoint the warehouse reads (spec §1).

One generic paginator works from these facts. `scan` says how a page is read in the hot path:
`regex` endpoints have flat records whose id key appears once per record, so the count and the ids are
found with a byte scan; `json` endpoints (nested records, composite keys, small pages) are parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Endpoint:
    """What the paginator and the signer need to know about one API."""

    name: str
    method: Literal["GET", "POST"]
    path: str
    required: tuple[str, ...]
    list_key: str
    count_key: str | None
    key: tuple[str, ...]
    max_limit: int | None
    probe_limit: int | None = None
    scan: Literal["regex", "json"] = "json"
    path_params: tuple[str, ...] = ()

    @property
    def params_in_body(self) -> bool:
        """POST endpoints take their parameters (offset/limit too) in a JSON body."""
        return self.method == "POST"

    @property
    def paged(self) -> bool:
        return self.max_limit is not None


_ALL = (
    Endpoint("res_fee_records", "GET", "/v2/bills/subcustomer-bills/res-fee-records",
             ("bill_cycle", "customer_id"), "fee_records", "total_count", ("id",), 100, 1000, "regex"),
    Endpoint("consume_sub_customers", "POST",
             "/v2/bills/subcustomer-bills/res-fee-records/sub-customers/query",
             ("bill_cycle",), "sub_customers", "total_count", ("customer_id",), 100, None, "regex"),
    Endpoint("monthly_sum", "GET", "/v2/bills/partner-bills/subcustomer-bills/monthly-sum",
             ("cycle", "charge_mode"), "bill_sums", "count",
             ("customer_id", "cloud_service_type", "resource_type_code", "charge_mode", "bill_type"), 100),
    Endpoint("account_change_records", "GET", "/v2/accounts/partner-accounts/account-change-records",
             ("balance_type",), "records", "total_count", ("account_change_id",), 100, None, "regex"),
    Endpoint("adjust_records", "GET", "/v3/accounts/partner-accounts/adjust-records",
             (), "records", "total_count",
             ("trans_id", "customer_id", "operation_type", "operation_time", "amount"), 100),
    Endpoint("sub_customers", "POST", "/v2/partners/sub-customers/query",
             (), "customer_infos", "count", ("customer_id",), 100),
    Endpoint("indirect_partners", "POST", "/v2/partners/indirect-partners/query",
             (), "indirect_partners", "count", ("indirect_partner_id",), 100),
    Endpoint("customer_orders", "GET", "/v2/orders/customer-orders",
             (), "order_infos", "total_count", ("order_id",), 100),
    Endpoint("customer_order_details", "GET", "/v2/orders/customer-orders/details/{order_id}",
             ("order_id",), "order_line_items", "total_count", ("order_line_item_id",), 100,
             path_params=("order_id",)),
    Endpoint("coupon_quotas", "POST", "/v2/partners/coupon-quotas/query",
             (), "quotas", "total_count", ("quota_id",), 100, 1000),
    Endpoint("issued_coupon_quotas", "GET", "/v2/partners/issued-coupon-quotas",
             (), "quotas", "total_count", ("quota_id",), 100),
    Endpoint("coupon_quota_records", "GET", "/v2/partners/coupon-quotas/records",
             (), "records", "total_count", ("id",), 100),
    Endpoint("partner_balances", "GET", "/v2/accounts/partner-accounts/balances",
             (), "account_balances", None, ("account_id",), None),
    Endpoint("customer_balances", "POST", "/v2/accounts/customer-accounts/balances/batch-query",
             ("customer_infos",), "customer_balances", None, ("customer_id",), None),
    Endpoint("incentive_policies", "GET", "/v2/products/incentive-discount-policies",
             ("time",), "policies", "total_count", ("service_type_code",), 100),
    Endpoint("partner_coupons", "GET", "/v2/promotions/benefits/partner-coupons",
             (), "user_coupons", "total_count", ("coupon_id",), 100),
    Endpoint("partner_coupon_records", "GET", "/v2/promotions/benefits/partner-coupons/records/query",
             (), "records", "total_count", ("id",), 100),
    Endpoint("refund_orders", "GET", "/v2/orders/customer-orders/refund-orders",
             ("order_id",), "refund_infos", None, ("id",), None),  # unpaged: total_count is the list's length
    Endpoint("measure_units", "GET", "/v2/bases/measurements",
             (), "measure_units", None, ("measure_id",), None),
)

ENDPOINTS: dict[str, Endpoint] = {endpoint.name: endpoint for endpoint in _ALL}


def get_endpoint(name: str | Endpoint) -> Endpoint:
    """Look an endpoint up by name; the error lists the valid names."""
    if isinstance(name, Endpoint):
        return name
    try:
        return ENDPOINTS[name]
    except KeyError:
        raise KeyError(f"unknown endpoint {name!r}; known: {', '.join(sorted(ENDPOINTS))}") from None
