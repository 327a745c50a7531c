"""The world's other kinds of money over HTTP: RI and savings-plan fees follow their orders, every record
keeps §3 rules 4-6, and the monthly sums carry write-offs, arrears and the new balance types."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sandbox_http import FEES, SUMS, Signed, sweep

from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox, start_in_thread

MONTH = "2026-02"
REFUNDS = {4, 20, 24}
CONSUMPTION = {1, 2, 3, 5, 8, 14, 18, 23, 25, 103}
SPLITS = (
    "cash_amount",
    "credit_amount",
    "coupon_amount",
    "flexipurchase_coupon_amount",
    "stored_value_card_amount",
    "debt_amount",
    "writeoff_amount",
)


@pytest.fixture(scope="module")
def box() -> Iterator[RunningSandbox]:
    with start_in_thread(
        SandboxConfig(seed=5, today=date(2026, 3, 20), rate_limit=None, customers=6)
    ) as running:
        yield running


def records(box: RunningSandbox, signed: Signed) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for customer in box.app.world.customers_of(None):
        out += sweep(
            signed, box, FEES, "fee_records", 1000, bill_cycle=MONTH, customer_id=customer.customer_id
        )
    return out


def test_every_record_keeps_the_split_list_and_sign_rules(box: RunningSandbox, signed: Signed) -> None:
    found = records(box, signed)
    kinds = {(r["charging_mode"], r["bill_detail_type"]) for r in found}
    assert {(10, 1), (10, 18), (10, 103), (11, 1), (11, 23), (1, 3), (1, 20), (1, 24), (1, 14)} <= kinds
    assert {(3, 25), (3, 9)} <= kinds
    for r in found:
        assert sum(r[s] for s in SPLITS) == r["payment_amount"]  # type: ignore[misc]
        assert r["official_amount"] - r["official_discount_amount"] == r["payment_amount"]  # type: ignore[operator]
        if r["bill_detail_type"] in REFUNDS:
            assert r["payment_amount"] < 0  # type: ignore[operator]
        elif r["bill_detail_type"] in CONSUMPTION:
            assert r["payment_amount"] >= 0  # type: ignore[operator]
        assert (r["payment_type"] is not None) == (r["charging_mode"] in (10, 11))
    assert {r["payment_type"] for r in found} == {None, "ALL_UPFRONT", "PARTIAL_UPFRONT", "NO_UPFRONT"}
    for name in SPLITS[3:]:
        assert any(r[name] for r in found), name
    bundled = [r for r in found if r["sub_service_type_code"]]
    assert bundled
    assert all(r["bill_detail_type"] == 3 and r["sub_resource_id"] for r in bundled)


def test_ri_and_savings_plan_fees_equal_their_orders(box: RunningSandbox, signed: Signed) -> None:
    orders = {o["order_id"]: o for o in sweep(signed, box, "/v2/orders/customer-orders", "order_infos", 100)}
    ordered = [r for r in records(box, signed) if r["bill_detail_type"] in (1, 3, 20, 24, 103)]
    reserved = [r for r in ordered if r["charging_mode"] in (10, 11)]
    assert reserved
    for r in ordered:
        order = orders[r["trade_id"]]
        assert order["payment_time"] == r["trade_time"]
        assert Decimal(str(order["amount_after_discount"])) == abs(r["payment_amount"])  # type: ignore[arg-type]
        discounts = order["amount_info"]["discounts"]
        assert sum(Decimal(str(d["discount_amount"])) for d in discounts) == r["official_discount_amount"]
    types = {d["discount_type"] for o in orders.values() for d in o["amount_info"]["discounts"]}
    assert types == {"700", "607"}


def test_monthly_sums_carry_write_offs_arrears_and_new_balance_types(
    box: RunningSandbox, signed: Signed
) -> None:
    seen: dict[str, Decimal] = defaultdict(Decimal)
    bill_types = set()
    for mode in ("1", "3", "11"):
        for row in sweep(signed, box, SUMS, "bill_sums", 100, cycle=MONTH, charge_mode=mode):
            bill_types.add((mode, row["bill_type"]))
            arrears = row.get("debt_amount", 0) + row.get("adjustment_amount", 0)
            assert sum(d["amount"] for d in row["account_details"]) + arrears == row["amount"]
            if row["bill_type"] == "2":
                assert row["amount"] < 0
            seen["debt"] += row.get("debt_amount", 0)
            seen["adjustment"] += row.get("adjustment_amount", 0)
            for d in row["account_details"]:
                seen[d["balance_type"]] += d["amount"]
    assert {("11", "0"), ("3", "2"), ("1", "1")} <= bill_types
    for key in ("debt", "adjustment", "BALANCE_TYPE_BONUS", "BALANCE_TYPE_RCASH_COUPON"):
        assert seen[key] > 0, key
    assert seen["BALANCE_TYPE_STORED_VALUE_CARD"] > 0
