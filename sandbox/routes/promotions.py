"""Partner coupons issued to customers and their records (promotions/benefits/partner-coupons), the
refund orders (customer-orders/refund-orders) and measurement units (bases/measurements): paths, parameter
names and fields as in the official SDK's models."""

from __future__ import annotations

from sandbox.answers import Answer, ok, window
from sandbox.measurements import measure_units
from sandbox.routes.request import Context, Request, checked_holder


def issued_coupons(app: Context, req: Request) -> Answer:
    p = req.params
    coupon_id, customer_id, order_id = p.text("coupon_id"), p.text("customer_id"), p.text("order_id")
    coupon_type = p.integer("coupon_type", None, 1, 4)
    status = p.integer("status", None, 1, 5)
    holder = checked_holder(app.world, p)
    offset, limit = p.page(100)
    rows = [
        c
        for c in app.world.partner_coupons(holder)
        if (not coupon_id or c["coupon_id"] == coupon_id)
        and (not customer_id or c["customer_id"] == customer_id)
        and (not order_id or c["order_id"] == order_id)
        and (coupon_type is None or c["coupon_type"] == coupon_type)
        and (status is None or c["status"] == status)
    ]
    return ok({"total_count": len(rows), "user_coupons": window(rows, offset, limit)})


def coupon_records(app: Context, req: Request) -> Answer:
    """Filters by one operation type and one coupon id (a repeated query key keeps its last value)."""
    p = req.params
    operation = p.text("operation_types", choices=tuple(str(n) for n in range(1, 10)))
    coupon_id, customer_id = p.text("coupon_ids"), p.text("customer_id")
    result = p.text("result")
    holder = checked_holder(app.world, p)
    offset, limit = p.page(100)
    rows = [
        r
        for r in app.world.coupon_records(holder)
        if (not operation or r["operation_type"] == operation)
        and (not coupon_id or r["coupon_id"] == coupon_id)
        and (not customer_id or r["customer_id"] == customer_id)
        and (result not in ("0", "-1") or r["result"] == result)
    ]
    return ok({"total_count": len(rows), "records": window(rows, offset, limit)})


def refund_orders(app: Context, req: Request) -> Answer:
    """The refund infos of one refund order; an order that refunded nothing has none."""
    p = req.params
    order_id = p.text("order_id", required=True)
    customer_id = p.text("customer_id")
    holder = checked_holder(app.world, p)
    assert order_id is not None
    infos = app.world.refund_infos(order_id, holder)
    rows = [i for i in infos if not customer_id or i["customer_id"] == customer_id]
    return ok({"total_count": len(rows), "refund_infos": rows})


def measurements(app: Context, req: Request) -> Answer:
    return ok({"measure_units": measure_units(req.headers.get("x-language", "zh_CN"))})
