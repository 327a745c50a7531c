"""APIs 1.4 and 1.5: the partner's customers and resellers (indirect partners)."""

from __future__ import annotations

from sandbox.answers import Answer, ok, window
from sandbox.holder_view import associated_on, customer_json
from sandbox.routes.request import Context, Request, checked_holder


def _fuzzy(value: str | None, text: str) -> bool:
    return not value or value.lower() in text.lower()


def sub_customers(app: Context, req: Request) -> Answer:
    p = req.params
    account_name, name, label = p.text("account_name"), p.text("customer"), p.text("label")
    association = p.text("association_type", choices=("1", "2"))
    begin, end = p.utc("associated_on_begin"), p.utc("associated_on_end")
    customer_id = p.text("customer_id")
    holder = checked_holder(app.world, p)
    offset, limit = p.page(100, 40000000)
    world = app.world
    rows = [
        c
        for c in world.customers_now(holder)
        if _fuzzy(account_name, c.account_name)
        and _fuzzy(name, c.name)
        and _fuzzy(label, c.label)
        and (not association or c.association_type == association)
        and (begin is None or associated_on(world, c) >= begin)
        and (end is None or associated_on(world, c) <= end)
        and (not customer_id or c.customer_id == customer_id)
    ]
    infos = [customer_json(world, c) for c in window(rows, offset, limit)]
    return ok({"count": len(rows), "customer_infos": infos})


def indirect_partners(app: Context, req: Request) -> Answer:
    p = req.params
    account_name, partner_id = p.text("account_name"), p.text("indirect_partner_id")
    begin, end = p.utc("associated_on_begin"), p.utc("associated_on_end")
    offset, limit = p.page(100, 40000000)
    rows = [
        r
        for r in app.world.resellers
        if _fuzzy(account_name, r.account_name)
        and (not partner_id or r.indirect_partner_id == partner_id)
        and (begin is None or r.associated_on >= begin)
        and (end is None or r.associated_on <= end)
    ]
    return ok({"count": len(rows), "indirect_partners": [r.to_json() for r in window(rows, offset, limit)]})
