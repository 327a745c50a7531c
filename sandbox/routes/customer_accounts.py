"""API 1.9, customers' side (`customer-accounts/balances/batch-query`): resale customers' balances, in one
batch (no paging).

Only resale customers the caller holds on the clock's last day are answered (the distributor without
`indirect_partner_id`, a reseller with it); any other id is silently dropped, as the spec says.
"""

from __future__ import annotations

from sandbox.answers import Answer, ok
from sandbox.model import ZERO
from sandbox.params import invalid
from sandbox.routes.request import Context, Request, checked_holder

MAX_CUSTOMERS = 100  # (?) the batch size is undocumented


def customer_balances(app: Context, req: Request) -> Answer:
    p = req.params
    infos = p.values.get("customer_infos")
    if not isinstance(infos, list) or not infos:
        raise invalid("customer_infos", "required, a non-empty list")
    if len(infos) > MAX_CUSTOMERS:
        raise invalid("customer_infos", f"at most {MAX_CUSTOMERS} entries")
    ids = []
    for info in infos:
        if (
            not isinstance(info, dict)
            or not isinstance(info.get("customer_id"), str)
            or not info["customer_id"]
        ):
            raise invalid("customer_infos.customer_id", "required")
        ids.append(info["customer_id"])
    holder = checked_holder(app.world, p)
    world = app.world
    held = {c.customer_id for c in world.customers_now(holder) if c.association_type == "2"}
    rows = [
        {
            "customer_id": customer_id,
            "amount": world.distributor.customer_balances.balance(customer_id, world.last_day),
            "debt_amount": ZERO,
            "currency": "CNY",
            "measure_id": 1,
        }
        for customer_id in dict.fromkeys(ids)
        if customer_id in held
    ]
    return ok({"customer_balances": rows})
