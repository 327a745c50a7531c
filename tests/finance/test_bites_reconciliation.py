"""Reconciliation verdicts a partner would see change if one line of R1-R5 changed: a write-off on the bill
side, a difference of exactly the tolerance, which side is missing, a loose tolerance that must not hide a
missing record, balance types, no-rebate policies, excluded adjustments, the edges of the R4 window.
Real DuckDB files holding the synthetic month of recon_world plus the rows each test adds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from recon_world import (
    MONTH,
    PLAN_RATES,
    PRODUCT_POLICIES,
    World,
    add_transaction,
    build_world,
    open_warehouse,
)

from finance.reconciliation.engine import ReconciliationResult, reconcile_month
from finance.reconciliation.settings import ReconciliationSettings

SETTINGS = ReconciliationSettings(plan_rates=PLAN_RATES, product_policies=PRODUCT_POLICIES)
CDN = "hws.service.type.cdn"


def run(tmp_path: Path, world: World, *rules: str, **changes: Any) -> ReconciliationResult:
    """Load `world` into a fresh warehouse file and reconcile the month with the given rules and settings."""
    con = open_warehouse(tmp_path / f"w-{len(list(tmp_path.iterdir()))}.duckdb")
    world.load(con)
    return reconcile_month(con, MONTH, dataclasses.replace(SETTINGS, rules=rules, **changes))


def findings(result: ReconciliationResult) -> dict[tuple[str, ...], dict[str, Any]]:
    """(kind, key values in key order...) -> the finding row."""
    out = {}
    for row in result.findings.iter_rows(named=True):
        keys = tuple(str(v) for k, v in json.loads(row["keys"]).items() if k != "cycle")
        out[(row["kind"], *keys)] = row
    return out


def fee_like(world: World, owner: str, mode: int, /, **changes: Any) -> dict[str, Any]:
    """A fee record copied from one of `owner`'s in `mode`, with `changes` applied (a new id required)."""
    model = next(
        r
        for r in world.tables["billing.consumption_records"]
        if r["customer_id"] == owner and r["charging_mode"] == mode
    )
    return world.add("billing.consumption_records", **(model | changes))


def bill_row(world: World, customer_id: str, mode: int, bill_type: int, amount: str) -> None:
    world.add(
        "billing.monthly_bills",
        cycle=MONTH,
        customer_id=customer_id,
        cloud_service_type="hws.service.type.ec2",
        resource_type_code="hws.resource.type.vm",
        bill_type=bill_type,
        charge_mode=mode,
        amount=Decimal(amount),
        measure_id=1,
        currency="CNY",
        version=1,
    )


def paid(amount: str) -> dict[str, Decimal]:
    """The amount columns of a fee record of `amount` at list price, nothing paid by coupon or credit."""
    zero = ("official_discount_amount", "cash_amount", "credit_amount", "coupon_amount")
    return dict.fromkeys(zero, Decimal(0)) | dict.fromkeys(
        ("payment_amount", "official_amount"), Decimal(amount)
    )


def test_r1_counts_a_huawei_write_off_bill_type_2_on_the_bill_side(tmp_path: Path) -> None:
    # Huawei writes off 37.50 of C1's on-demand charges: a negative fee record and a bill_type 2 monthly sum.
    world = build_world()
    fee_like(
        world,
        "C1",
        3,
        id="WO1",
        bill_detail_type=16,
        writeoff_amount=Decimal("-37.50"),
        **paid("-37.50"),
    )
    bill_row(world, "C1", 3, 2, "-37.50")
    result = run(tmp_path, world, "R1")
    on_demand = findings(result)[("detail_vs_bill", "C1", "3")]
    fees = sum(
        (
            r["payment_amount"]
            for r in world.tables["billing.consumption_records"]
            if r["customer_id"] == "C1" and r["charging_mode"] == 3
        ),
        Decimal(0),
    )
    assert (on_demand["left_amount"], on_demand["right_amount"], on_demand["status"]) == (
        fees,
        fees,
        "matched",
    )
    assert result.unexplained.is_empty()
    # A partner who leaves write-offs out of the bill side sees exactly the write-off as the difference.
    without = findings(run(tmp_path, world, "R1", bill_types=(0, 1)))[("detail_vs_bill", "C1", "3")]
    assert (without["difference"], without["status"]) == (Decimal("-37.50"), "mismatched")


def test_tolerance_is_inclusive_and_each_missing_side_is_named(tmp_path: Path) -> None:
    world = build_world()
    day = dt.date(2026, 3, 5)
    add_transaction(world, "ACT1", "BALANCE_TYPE_DEBIT", day, Decimal("0.01"), "SOURCE_OPERAIION_USAGE")
    add_transaction(world, "ACT2", "BALANCE_TYPE_CREDIT", day, Decimal("0.02"), "SOURCE_OPERAIION_USAGE")
    bill_row(world, "C1", 10, 0, "5.00")  # a reserved-instance charge without any fee record
    bill_row(world, "C2", 11, 0, "0.004")  # missing too, but within the tolerance
    fee_like(world, "C2", 1, id="X1", charging_mode=10, **paid("8.00"))  # fees without a bill
    got = {
        key: (row["status"], row["difference"])
        # RI reconciled apart (the default sums RI fees under the bill's yearly/monthly mode 1)
        for key, row in findings(run(tmp_path, world, "R1", "R2", r1_ri_charge_mode=10)).items()
    }
    assert got[("bill_vs_transactions", "BALANCE_TYPE_DEBIT")] == ("within_tolerance", Decimal("-0.01"))
    assert got[("bill_vs_transactions", "BALANCE_TYPE_CREDIT")] == ("mismatched", Decimal("-0.02"))
    assert got[("detail_vs_bill", "C1", "10")] == ("missing_left", Decimal("-5.00"))
    assert got[("detail_vs_bill", "C2", "10")] == ("missing_right", Decimal("8.00"))
    assert got[("detail_vs_bill", "C2", "11")] == ("within_tolerance", Decimal("-0.004"))
    assert got[("detail_vs_bill", "C1", "3")] == ("matched", Decimal(0))


def test_r2_pays_only_the_configured_balance_types(tmp_path: Path) -> None:
    world = build_world()
    add_transaction(
        world, "BON1", "BALANCE_TYPE_BONUS", dt.date(2026, 3, 9), Decimal("99"), "SOURCE_OPERAIION_USAGE"
    )
    result = run(tmp_path, world, "R2")
    assert sorted(findings(result)) == [
        ("bill_vs_transactions", "BALANCE_TYPE_CREDIT"),
        ("bill_vs_transactions", "BALANCE_TYPE_DEBIT"),
    ]
    assert result.unexplained.is_empty()


def test_r5_counts_ignore_the_money_tolerance_and_use_the_latest_sweep(tmp_path: Path) -> None:
    world = build_world()
    sweeps = world.tables["audit.api_sweeps"]
    c1 = next(s for s in sweeps if '"C1"' in s["params"])
    world.add(
        "audit.api_sweeps",
        **(c1 | {"load_id": "L0", "fetched": c1["fetched"] - 3, "started_at_utc": dt.datetime(2026, 4, 5)}),
    )
    next(s for s in sweeps if '"C2"' in s["params"])["fetched"] -= 1
    world.add(
        "audit.quarantine",
        load_id="L1",
        dataset="consumption_records",
        partition_key="2026-03-07",
        record_key="R00007",
        reasons='["duplicate id R00007"]',
        raw_record="{}",
    )
    world.add("audit.consumption_customers", bill_cycle=MONTH, customer_id="C7", load_id="L1")
    fee_like(world, "C1", 3, id="FEB1", customer_id="C7", bill_cycle="2026-02", bill_date=dt.date(2026, 2, 3))
    # a partner tolerating 5 yuan on money still must see one record missing
    got = {
        key: (row["status"], row["difference"])
        for key, row in findings(run(tmp_path, world, "R5", tolerance=Decimal(5))).items()
    }
    assert got[("sweep_count", "consumption_records", "C1")] == ("matched", Decimal(0))
    assert got[("sweep_count", "consumption_records", "C2")] == ("mismatched", Decimal(1))
    assert got[("duplicate_id", "consumption_records", "R00007")] == ("mismatched", Decimal(1))
    assert got[("customer_without_records", "consumption_records", "C7")] == ("missing_right", Decimal(1))
    assert got[("customer_without_records", "consumption_records", "C1")] == ("matched", Decimal(0))


def test_r3_no_rebate_policy_13_and_adjustments_left_out_of_the_base(tmp_path: Path) -> None:
    world = build_world()
    for n, (detail_type, amount) in enumerate([(5, "100.00"), (9, "-20.00"), (16, "-7.00")]):
        fee_like(
            world,
            "C1",
            3,
            id=f"CDN{n}",
            service_type_code=CDN,
            bill_detail_type=detail_type,
            **paid(amount),
        )
    world.add(
        "billing.incentive_records",
        incentive_bill_id="IB5",
        incentive_data_id="D5",
        year=2026,
        incentive_period=MONTH,
        plan_name="Growth",
        customer_account="acme-cloud",
        product_type=CDN,
        base_amount=Decimal("100.00"),
        rate=Decimal(0),
        incentive_amount=Decimal(0),
        status="pending",
    )
    result = run(tmp_path, world, "R3", product_policies={**PRODUCT_POLICIES, CDN: 13})
    got = {key: (row["right_amount"], row["status"]) for key, row in findings(result).items()}
    assert got[("incentive_base", "D5")] == (Decimal("100.00"), "matched")  # compensation, deduction out
    assert got[("incentive_amount", "D5")] == (Decimal(0), "matched")  # policy 13 earns no rebate
    assert result.unexplained.is_empty()


def test_r4_matches_a_top_up_only_inside_the_window_of_its_bill(tmp_path: Path) -> None:
    # Period 2026-03 with a 120-day window: top-ups from 2026-03-01 up to, not including, 2026-07-30.
    world = build_world()
    for bill, amount, paid_on in [
        ("IB7", "12.34", dt.date(2026, 7, 29)),  # last day inside
        ("IB8", "56.78", dt.date(2026, 7, 30)),  # first day outside
        ("IB9", "9.99", dt.date(2026, 2, 27)),  # before the period
    ]:
        world.add(
            "billing.incentive_records",
            incentive_bill_id=bill,
            incentive_data_id=f"D{bill}",
            incentive_period=MONTH,
            incentive_amount=Decimal(amount),
            status="paid",
        )
        add_transaction(
            world,
            f"RB-{bill}",
            "BALANCE_TYPE_DEBIT",
            paid_on,
            Decimal(amount),
            "SOURCE_OPERAIION_RECHARGE_REBATE",
            f"PAYOUT-{bill}",
        )
    got = {key: (row["status"], row["detail"]) for key, row in findings(run(tmp_path, world, "R4")).items()}
    assert got[("incentive_payment", "IB7")] == ("matched", "1 top-up(s) matched by amount and date window")
    assert got[("incentive_payment", "IB8")] == ("missing_right", "paid bill without a rebate top-up")
    assert got[("incentive_payment", "IB9")] == ("missing_right", "paid bill without a rebate top-up")
    assert got[("incentive_payment", "IB3")][0] == "matched"
