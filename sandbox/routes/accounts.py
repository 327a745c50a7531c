"""APIs 1.3 and 1.9: the partner account's changes, adjustments (allocations) and balances."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from partner_center.sandbox_credentials import SANDBOX_DOMAIN_ID
from sandbox import catalog as cat
from sandbox import reseller_scenarios
from sandbox.answers import Answer, ok, window
from sandbox.billing_calendar import month_start, shift_cycle, utc_text
from sandbox.params import invalid
from sandbox.routes.request import Context, Request, checked_holder


def account_changes(app: Context, req: Request) -> Answer:
    p = req.params
    balance_type = p.text("balance_type", required=True, choices=cat.BALANCE_TYPES)
    trade_type = p.text(
        "trade_type",
        choices=(
            "RECHARGE",
            "DEDEUCT",
            "REFUND",
            "RFROZEN",
            "TRANS",
            "ADJUST",
            "BEADJUST",
            "BERETRIEVE",
            "BEUNBIND",
            "BONUSCONVERT",
            "TRADE_MODE_TRANSFER",
        ),
    )
    today = app.world.today
    begin = p.day("trade_time_begin") or today - timedelta(days=365)
    end = p.day("trade_time_end") or today
    if begin > end:
        raise invalid("trade_time_begin", "must not be after trade_time_end")
    if (end - begin).days > 366:
        raise invalid("trade_time_end", "the span must not exceed one year")
    holder = checked_holder(app.world, p)
    offset, limit = p.page(100)
    assert balance_type is not None
    txs = app.world.transactions(holder, balance_type, begin, end)
    if trade_type:
        txs = [t for t in txs if cat.TRADE_TYPE_OF.get(t.trade_detail_type) == trade_type]
    return ok(
        {
            "total_count": len(txs),
            "currency": "CNY",
            "records": [t.to_json() for t in window(txs, offset, limit)],
        }
    )


def adjust_records(app: Context, req: Request) -> Answer:
    p = req.params
    customer_id, trans_id = p.text("customer_id"), p.text("trans_id")
    operation = p.text(
        "operation_type",
        choices=("SOURCE_OPERATION_BEADJUST", "SOURCE_OPERATION_BERETRIEVE", "SOURCE_OPERATION_BEUNBIND"),
    )
    begin, end = p.utc("operation_time_begin"), p.utc("operation_time_end")
    holder = checked_holder(app.world, p)
    offset, limit = p.page(100)
    world = app.world
    rows: list[dict[str, object]] = []
    cycle = f"{world.config.first_day:%Y-%m}"
    names = {r.indirect_partner_id: r.name for r in world.resellers}
    while month_start(cycle) <= world.last_day:
        items = [world.allocation(holder, cycle), *(world.fund_moves(cycle) if holder is None else [])]
        for item in items:
            if item is None or (item.trade_time + timedelta(hours=8)).date() > world.last_day:
                continue
            customer = world.customer_by_id.get(item.customer_id)
            rows.append(
                {
                    "customer_id": item.customer_id,
                    "customer_name": customer.name if customer else names[item.customer_id],
                    "operation_type": item.trade_detail_type,
                    "amount": format(item.amount, "f"),
                    "currency": "CNY",
                    "apply_scene": "",
                    "operation_time": utc_text(item.trade_time),
                    "measure_id": 1,
                    "trans_id": item.trade_id,
                    "memo": "",
                }
            )
        cycle = shift_cycle(cycle, 1)
    rows.sort(key=lambda r: (str(r["operation_time"]), str(r["trans_id"])))
    rows = [
        r
        for r in rows
        if (not customer_id or r["customer_id"] == customer_id)
        and (not trans_id or r["trans_id"] == trans_id)
        and (not operation or r["operation_type"] == operation)
        and (begin is None or str(r["operation_time"]) >= utc_text(begin))
        and (end is None or str(r["operation_time"]) <= utc_text(end))
    ]
    return ok({"total_count": len(rows), "records": window(rows, offset, limit)})


def balances(app: Context, req: Request) -> Answer:
    holder = checked_holder(app.world, req.params)
    owner = (holder or SANDBOX_DOMAIN_ID)[:12]
    debit = app.world.balance(holder, "BALANCE_TYPE_DEBIT")
    debit += reseller_scenarios.balance_delta(app.world.reseller_picks, holder)
    credit = app.world.balance(holder, "BALANCE_TYPE_CREDIT")
    return ok(
        {
            "account_balances": [
                {
                    "account_id": f"{owner}-cash",
                    "account_type": 1,
                    "amount": debit,
                    "currency": "CNY",
                    "designated_amount": Decimal("0"),
                    "credit_amount": Decimal("0"),
                    "measure_id": 1,
                    "memo": "",
                },
                {
                    "account_id": f"{owner}-credit",
                    "account_type": 2,
                    "amount": credit,
                    "currency": "CNY",
                    "designated_amount": Decimal("0"),
                    "credit_amount": cat.TARGET_BALANCE["BALANCE_TYPE_CREDIT"],
                    "measure_id": 1,
                    "memo": "",
                },
            ]
        }
    )
