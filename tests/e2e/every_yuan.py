"""Every kind of money in the sandbox world reaches the warehouse to the cent: fee records per kind (charging
mode, bill detail type), their coupon/stored-value/arrears splits, monthly sums per (charge mode, bill type)
and per balance type, and Huawei's write-offs in the account changes.

The world side is read from the sandbox's own objects (what it serves), the warehouse side with SQL.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import duckdb

from finance.invoicing.store import read_fee_records
from sandbox.world import World

ZERO = Decimal(0)
NEW_KINDS = {
    (10, 1),
    (10, 18),
    (10, 103),
    (11, 1),
    (11, 23),
    (1, 3),
    (1, 20),
    (1, 24),
    (1, 14),
    (3, 25),
    (3, 9),
}
NEW_BALANCE_TYPES = {"BALANCE_TYPE_BONUS", "BALANCE_TYPE_RCASH_COUPON", "BALANCE_TYPE_STORED_VALUE_CARD"}


def assert_every_yuan(con: duckdb.DuckDBPyConnection, world: World, month: str) -> None:
    """The warehouse holds every new kind of money of `month` exactly as the world serves it, over the
    distributor's own view and every reseller's (each record is served under exactly one holder)."""
    holders = [None, *(r.indirect_partner_id for r in world.resellers)]
    served = [r for c in world.customers for r in world.served_records(c, month)]
    kinds: dict[tuple[object, ...], Decimal] = defaultdict(lambda: ZERO)
    splits = {"flexi": ZERO, "stored": ZERO, "debt": ZERO, "writeoff": ZERO}
    for r in served:
        if (r.charging_mode, r.bill_detail_type) in NEW_KINDS:
            kinds[(r.charging_mode, r.bill_detail_type)] += r.payment
        for name in splits:
            splits[name] += getattr(r, name)
    loaded = {
        (mode, kind): Decimal(amount)
        for mode, kind, amount in con.execute(
            "SELECT charging_mode, bill_detail_type, sum(payment_amount) FROM billing.consumption_records "
            "WHERE bill_cycle = $month GROUP BY ALL",
            {"month": month},
        ).fetchall()
        if (mode, kind) in NEW_KINDS
    }
    assert set(kinds) == NEW_KINDS
    assert loaded == dict(kinds)
    row = con.execute(
        "SELECT sum(flexipurchase_coupon_amount), sum(stored_value_card_amount), sum(debt_amount), "
        "sum(writeoff_amount), count(*) FILTER (WHERE sub_service_type_code <> ''), "
        "list_sort(list_distinct(list(payment_type) FILTER (WHERE charging_mode IN (10, 11)))) "
        "FROM billing.consumption_records WHERE bill_cycle = $month",
        {"month": month},
    ).fetchone()
    assert row is not None
    assert tuple(Decimal(v) for v in row[:4]) == tuple(splits.values())
    assert all(splits.values())
    assert row[4] > 0
    assert row[5] == ["ALL_UPFRONT", "NO_UPFRONT", "PARTIAL_UPFRONT"]

    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    details: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for mode, holder in ((m, h) for m in (1, 3, 11) for h in holders):
        for bill in world.monthly_sums(holder, month, mode):
            total = sums[(str(bill["charge_mode"]), str(bill["bill_type"]))]
            total[0] += bill["amount"]  # type: ignore[operator]
            total[1] += bill.get("debt_amount", ZERO)  # type: ignore[operator]
            total[2] += bill.get("adjustment_amount", ZERO)  # type: ignore[operator]
            for d in bill["account_details"]:  # type: ignore[attr-defined]
                details[d["balance_type"]] += d["amount"]
    loaded_sums = {
        (str(mode), str(bill_type)): [Decimal(a), Decimal(b), Decimal(c)]
        for mode, bill_type, a, b, c in con.execute(
            "SELECT charge_mode, bill_type, sum(amount), coalesce(sum(debt_amount), 0), "
            "coalesce(sum(adjustment_amount), 0) FROM billing.monthly_bills "
            "WHERE cycle = $month GROUP BY ALL",
            {"month": month},
        ).fetchall()
    }
    assert loaded_sums == dict(sums)
    assert {("11", "0"), ("3", "2"), ("1", "1")} <= set(sums)
    loaded_details = dict(
        con.execute(
            "SELECT balance_type, sum(amount) FROM billing.monthly_bill_account_details "
            "WHERE cycle = $month GROUP BY ALL",
            {"month": month},
        ).fetchall()
    )
    assert loaded_details == dict(details)
    assert set(details) >= NEW_BALANCE_TYPES

    write_offs = sum(
        (
            t.change_amount
            for holder in holders
            for balance_type in ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT")
            for t in world.month_transactions(holder, balance_type, month)
            if t.trade_detail_type == "SOURCE_OPERAIION_BILLREFUND"
        ),
        ZERO,
    )
    loaded_write_offs = con.execute(
        "SELECT sum(change_amount) FROM billing.account_transactions "
        "WHERE trade_detail_type = 'SOURCE_OPERAIION_BILLREFUND' AND strftime(trade_date, '%Y-%m') = $month",
        {"month": month},
    ).fetchone()
    assert loaded_write_offs is not None
    assert write_offs > 0
    assert Decimal(loaded_write_offs[0]) == write_offs


def assert_usage_units(con: duckdb.DuckDBPyConnection, world: World, month: str) -> None:
    """Usage rows carry their unit by name in FOCUS (ConsumedUnit, PricingUnit) and on the invoice detail."""
    expected = {
        (r.resource_type.usage_measure_id, {4: "h", 10: "GB"}[r.resource_type.usage_measure_id])
        for c in world.customers_of(None)
        for r in world.served_records(c, month)
        if r.charging_mode == 3 and r.resource_type.usage_measure_id
    }
    rows = con.execute(
        "SELECT DISTINCT r.usage_measure_id, f.ConsumedUnit, f.PricingUnit, "
        "f.PricingQuantity = f.ConsumedQuantity FROM marts.focus_charges AS f "
        "JOIN billing.consumption_records AS r ON r.id = f.x_RecordId "
        "WHERE r.bill_cycle = $month AND r.usage_measure_id <> 0",
        {"month": month},
    ).fetchall()
    assert {(m, unit) for m, unit, _, _ in rows} == expected
    assert all(unit == pricing and same for _, unit, pricing, same in rows)
    resale = next(c for c in world.customers_of(None) if c.association_type == "2")
    detail = read_fee_records(con, month, resale.customer_id)
    usage = detail.filter(detail["charging_mode"] == 3)
    assert usage.height > 0
    assert set(usage["usage_unit"].to_list()) <= {"h", "GB"}
