"""Expected warehouse contents computed straight from the sandbox's answers: raw signed HTTP and
Decimal, none of the project's client, parser or loader, so a bug there cannot agree with itself.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from conftest import signed_request

from sandbox.server import RunningSandbox

FEE = "/v2/bills/subcustomer-bills/res-fee-records"
CONSUMERS = "/v2/bills/subcustomer-bills/res-fee-records/sub-customers/query"
BILLS = "/v2/bills/partner-bills/subcustomer-bills/monthly-sum"
CHANGES = "/v2/accounts/partner-accounts/account-change-records"
CUSTOMERS = "/v2/partners/sub-customers/query"
RESELLERS = "/v2/partners/indirect-partners/query"


def holders(box: RunningSandbox) -> list[dict[str, Any]]:
    """Parameters of every view: the distributor's own ({}) and each reseller's (indirect_partner_id)."""
    found = _pages(box, "POST", RESELLERS, {}, "indirect_partners")
    return [{}, *({"indirect_partner_id": r["indirect_partner_id"]} for r in found)]


def _pages(box: RunningSandbox, method: str, path: str, params: dict[str, Any], key: str) -> list[dict]:
    out: list[dict] = []
    while True:
        args = {**params, "offset": len(out), "limit": 100}
        for _ in range(5):  # the expectation's own calls share the sandbox's 10/s: wait out a throttle
            if method == "GET":
                response = signed_request(box, method, path, params=args)
            else:
                response = signed_request(box, method, path, body=args)
            if response.status_code != 429:
                break
            time.sleep(1.1)
        assert response.status_code == 200, response.text
        page = json.loads(response.content, parse_float=Decimal)[key]
        out += page
        if len(page) < 100:
            return out


def beijing_day(utc_text: str) -> date:
    moment = datetime.strptime(utc_text, "%Y-%m-%dT%H:%M:%SZ")
    return (moment + timedelta(hours=8)).date()


def _cycles(begin: date, end: date) -> list[tuple[str, date, date]]:
    out: list[tuple[str, date, date]] = []
    day = begin
    while day <= end:
        last = min(end, (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1))
        out.append((f"{day:%Y-%m}", day, last))
        day = last + timedelta(days=1)
    return out


def consumption(box: RunningSandbox, begin: date, end: date) -> dict[date, tuple[int, Decimal]]:
    """Records and Σ payment_amount per Beijing day of trade_time (PBW_BILL_DATE_FROM default)."""
    per_day: dict[date, list[Decimal]] = defaultdict(list)
    for (cycle, first, last), view in ((c, v) for c in _cycles(begin, end) for v in holders(box)):
        customers = _pages(box, "POST", CONSUMERS, {"bill_cycle": cycle, **view}, "sub_customers")
        for c in customers:
            params = {"bill_cycle": cycle, "customer_id": c["customer_id"],
                      "bill_date_begin": first.isoformat(), "bill_date_end": last.isoformat(), **view}
            for r in _pages(box, "GET", FEE, params, "fee_records"):
                per_day[beijing_day(r["trade_time"])].append(Decimal(r["payment_amount"]))
    return {d: (len(v), sum(v, Decimal(0))) for d, v in per_day.items()}


def transactions(box: RunningSandbox, begin: date, end: date) -> dict[date, tuple[int, Decimal]]:
    """Account changes and Σ change_amount per Beijing trade date, both balance types, every account."""
    per_day: dict[date, list[Decimal]] = defaultdict(list)
    views = holders(box)
    for balance, view in ((b, v) for b in ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT") for v in views):
        params = {"balance_type": balance, "trade_time_begin": begin.isoformat(),
                  "trade_time_end": end.isoformat(), **view}
        for r in _pages(box, "GET", CHANGES, params, "records"):
            per_day[beijing_day(r["trade_time"])].append(Decimal(r["change_amount"]))
    return {d: (len(v), sum(v, Decimal(0))) for d, v in per_day.items()}


def bills(box: RunningSandbox, cycle: str) -> tuple[int, Decimal]:
    """monthly-sum rows and Σ amount of a cycle over charge modes 1, 3 and 11, every holder."""
    rows = [r for mode in ("1", "3", "11") for view in holders(box)
            for r in _pages(box, "GET", BILLS, {"cycle": cycle, "charge_mode": mode, **view}, "bill_sums")]
    return len(rows), sum((Decimal(r["amount"]) for r in rows), Decimal(0))


def customers(box: RunningSandbox) -> set[str]:
    """Customer ids of the sub-customer lists (the distributor's own and each reseller's)."""
    return {c["customer_id"]
            for view in holders(box) for c in _pages(box, "POST", CUSTOMERS, view, "customer_infos")}
