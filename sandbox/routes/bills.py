"""API 1.2: monthly bill sums of the resale customers (monthly-sum)."""

from __future__ import annotations

from sandbox.answers import Answer, ok, window
from sandbox.routes.request import Context, Request, checked_holder


def monthly_sum(app: Context, req: Request) -> Answer:
    p = req.params
    cycle = p.month("cycle")
    charge_mode = p.text("charge_mode", required=True, max_len=4, choices=("1", "3", "11"))
    bill_type = p.text("bill_type", max_len=4, choices=("0", "1", "2"))
    customer_id = p.text("customer_id")
    service = p.text("cloud_service_type", max_len=256)
    holder = checked_holder(app.world, p)
    offset, limit = p.page(100)
    assert cycle is not None
    assert charge_mode is not None
    rows = [
        r
        for r in app.world.monthly_sums(holder, cycle, int(charge_mode))
        if (not bill_type or r["bill_type"] == bill_type)
        and (not customer_id or r["customer_id"] == customer_id)
        and (not service or r["cloud_service_type"] == service)
    ]
    return ok({"count": len(rows), "currency": "CNY", "bill_sums": window(rows, offset, limit)})
