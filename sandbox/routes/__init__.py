"""The API's routes: one table of (method, path) -> handler, one module per API family.

`consumption` (1.1 res-fee-records), `bills` (1.2 monthly-sum), `accounts` (1.3 account changes,
adjustments, 1.9 balances), `customers` (1.4 customers, 1.5 resellers), `orders` (1.6), `coupons`
(1.7-1.8 quotas), `products` (1.10 incentive policies); `control` serves the unsigned `/_sandbox/*` paths
and `request` is what every handler gets.
"""

from __future__ import annotations

from sandbox.answers import ApiError
from sandbox.routes import accounts, bills, consumption, coupons, customers, orders, products
from sandbox.routes.consumption import FEE_RECORDS
from sandbox.routes.customer_accounts import customer_balances
from sandbox.routes.request import Handler

ORDER_DETAILS = "/v2/orders/customer-orders/details/"

ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", FEE_RECORDS): consumption.fee_records,
    ("POST", FEE_RECORDS + "/sub-customers/query"): consumption.consume_sub_customers,
    ("GET", "/v2/bills/partner-bills/subcustomer-bills/monthly-sum"): bills.monthly_sum,
    ("GET", "/v2/accounts/partner-accounts/account-change-records"): accounts.account_changes,
    ("GET", "/v3/accounts/partner-accounts/adjust-records"): accounts.adjust_records,
    ("POST", "/v2/accounts/customer-accounts/balances/batch-query"): customer_balances,
    ("POST", "/v2/partners/sub-customers/query"): customers.sub_customers,
    ("POST", "/v2/partners/indirect-partners/query"): customers.indirect_partners,
    ("GET", "/v2/orders/customer-orders"): orders.customer_orders,
    ("GET", ORDER_DETAILS + "{order_id}"): orders.order_details,
    ("POST", "/v2/partners/coupon-quotas/query"): coupons.coupon_quotas,
    ("GET", "/v2/partners/issued-coupon-quotas"): coupons.issued_quotas,
    ("GET", "/v2/partners/coupon-quotas/records"): coupons.quota_records,
    ("GET", "/v2/accounts/partner-accounts/balances"): accounts.balances,
    ("GET", "/v2/products/incentive-discount-policies"): products.incentive_policies,
}


def resolve(method: str, path: str) -> tuple[str, Handler, str]:
    """(route name, handler, path argument) of a request; 404 APIG.0101 if no route matches."""
    handler = ROUTES.get((method, path))
    if handler is not None:
        return path, handler, ""
    prefix = ORDER_DETAILS
    if method == "GET" and path.startswith(prefix) and "/" not in path[len(prefix) :]:
        return prefix + "{order_id}", ROUTES[("GET", prefix + "{order_id}")], path[len(prefix) :]
    raise ApiError(
        404, "APIG.0101", "The API does not exist or has not been published in the environment."
    )
