"""API 1.6: customer orders and their line items."""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox import subscriptions
from sandbox.answers import Answer, ApiError, ok, window
from sandbox.billing_calendar import month_start, utc_text
from sandbox.params import Params, invalid
from sandbox.routes.request import Context, Request, checked_holder


def _time_window(p: Params, first: str, last: str) -> tuple[str | None, str | None]:
    begin, end = p.utc(first), p.utc(last)
    if begin and end and (end - begin) > timedelta(days=366):
        raise invalid(last, "the window must not exceed one year")
    return (utc_text(begin) if begin else None), (utc_text(end) if end else None)


def customer_orders(app: Context, req: Request) -> Answer:
    p = req.params
    order_id, customer_id, service = p.text("order_id"), p.text("customer_id"), p.text("service_type_code")
    status = p.integer("status", None, 1, 13)
    order_type = p.text("order_type", choices=("1", "2", "3", "4", "10", "11", "13", "14", "15"))
    order_by = p.text("order_by", choices=("createTime", "-createTime"))
    p.text("method", choices=("oneself", "sub_customer"))
    c_begin, c_end = _time_window(p, "create_time_begin", "create_time_end")
    pay_begin, pay_end = _time_window(p, "payment_time_begin", "payment_time_end")
    holder = checked_holder(app.world, p)
    offset, limit = p.page(100)
    rows = [
        o
        for o in app.world.orders(holder)
        if (not order_id or o["order_id"] == order_id)
        and (not customer_id or o["customer_id"] == customer_id)
        and (not service or o["service_type_code"] == service)
        and (status is None or o["status"] == status)
        and (not order_type or str(o["order_type"]) == order_type)
        and (c_begin is None or str(o["create_time"]) >= c_begin)
        and (c_end is None or str(o["create_time"]) <= c_end)
        and (pay_begin is None or str(o["payment_time"]) >= pay_begin)
        and (pay_end is None or str(o["payment_time"]) <= pay_end)
    ]
    if order_by != "createTime":
        rows.reverse()
    return ok({"total_count": len(rows), "order_infos": window(rows, offset, limit)})


def order_details(app: Context, req: Request) -> Answer:
    p = req.params
    order_id = str(p.values["__path__"])
    offset, limit = p.page(100)
    for customer in app.world.customers:
        for sub in customer.subscriptions:
            for day, kind in subscriptions.period_events(sub, app.world.config.first_day, app.world.last_day):
                if subscriptions.order_id(app.world.config.seed, sub, day) != order_id:
                    continue
                official, discount, _ = subscriptions.period_amounts(customer, sub, day, kind)
                expire = (
                    day.replace(year=day.year + 1)
                    if sub.months == 12
                    else (month_start(f"{day:%Y-%m}").replace(day=day.day) + timedelta(days=31))
                )
                line = {
                    "order_line_item_id": order_id + "-1",
                    "service_type_code": sub.resource.service.code,
                    "service_type_name": sub.resource.service.name,
                    "product_id": sub.resource.resource_type.code,
                    "product_spec_desc": sub.resource.name,
                    "period_type": 3 if sub.months == 12 else 2,
                    "period_num": 1,
                    "effective_time": utc_text(datetime.combine(day, datetime.min.time())),
                    "expire_time": utc_text(datetime.combine(expire, datetime.min.time())),
                    "subscription_num": 1,
                    "official_amount": abs(official),
                    "amount_after_discount": abs(official - discount),
                    "currency": "CNY",
                    "measure_id": 1,
                }
                lines = [line]
                return ok({"total_count": len(lines), "order_line_items": window(lines, offset, limit)})
    # the other orders (reserved instances, savings plans, changes): one line carrying the order's amounts
    for holder in [None, *(r.indirect_partner_id for r in app.world.resellers)]:
        for order in app.world.orders(holder):
            if order["order_id"] == order_id:
                other: list[dict[str, object]] = [
                    {
                        "order_line_item_id": order_id + "-1",
                        "service_type_code": order["service_type_code"],
                        "service_type_name": order["service_type_name"],
                        "period_type": 5,
                        "period_num": 1,
                        "effective_time": order["payment_time"],
                        "subscription_num": 1,
                        "official_amount": order["official_amount"],
                        "amount_after_discount": order["amount_after_discount"],
                        "currency": "CNY",
                        "measure_id": 1,
                    }
                ]
                return ok({"total_count": 1, "order_line_items": window(other, offset, limit)})
    raise ApiError(400, "CBC.0100", "Invalid parameter: order_id (no such order).")
