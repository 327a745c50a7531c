"""The reconciliation scenario breaks each rule exactly where its manifest says, and nowhere else."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from sandbox_http import CHANGES, FEES, SUMS, Signed, sweep

from sandbox.exports import export_incentives
from sandbox.server import RunningSandbox

TODAY = date(2026, 3, 20)
MONTH = "2026-02"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from sandbox.config import SandboxConfig
    from sandbox.server import start_in_thread

    with start_in_thread(SandboxConfig(today=TODAY, rate_limit=None, scenario="reconciliation")) as box:
        yield box


@pytest.fixture(scope="module")
def findings(scenario: RunningSandbox) -> dict[tuple[str, str], dict[str, Any]]:
    manifest = httpx.get(f"{scenario.url}/_sandbox/manifest").json()
    assert manifest["scenario"] == "reconciliation"
    assert manifest["scenario_month"] == MONTH
    return {(f["rule"], f["kind"]): f for f in manifest["findings"]}


def test_manifest_has_one_finding_of_each_kind(findings: dict[tuple[str, str], dict[str, Any]]) -> None:
    expected = {"R1": 2, "R2": 1, "R3": 1, "R4": 1, "R5": 1, "R8": 1, "R9": 1, "R10": 1, "R11": 1}
    assert Counter(rule for rule, _ in findings) == expected
    for finding in findings.values():
        assert Decimal(finding["left"]) != Decimal(finding["right"])


def test_r1_and_r5_break_exactly_at_the_published_keys(
    scenario: RunningSandbox, signed: Signed, findings: dict[tuple[str, str], dict[str, Any]]
) -> None:
    details: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    ids: Counter[str] = Counter()
    world = scenario.app.world
    for customer in world.customers_of(None):
        for r in sweep(
            signed, scenario, FEES, "fee_records", 1000, bill_cycle=MONTH, customer_id=customer.customer_id
        ):
            ids[r["id"]] += 1
            if customer.association_type == "2":
                mode = "1" if r["charging_mode"] == 10 else str(r["charging_mode"])  # RI under "1"
                details[(r["customer_id"], mode)] += r["payment_amount"]
    duplicated = {i for i, n in ids.items() if n > 1}
    dupe = findings[("R5", "duplicate_record")]
    assert duplicated == {dupe["keys"]["id"]}
    bills: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for mode in ("1", "3", "11"):
        for row in sweep(signed, scenario, SUMS, "bill_sums", 100, cycle=MONTH, charge_mode=mode):
            bills[(row["customer_id"], row["charge_mode"])] += row["amount"]
    broken = {key for key in bills if bills[key] != details[key]}
    r1 = [f for (rule, _), f in findings.items() if rule == "R1"]
    assert broken == {(f["keys"]["customer_id"], f["keys"]["charging_mode"]) for f in r1}
    for f in r1:
        key = (f["keys"]["customer_id"], f["keys"]["charging_mode"])
        assert (details[key], bills[key]) == (Decimal(f["left"]), Decimal(f["right"]))


def test_r2_breaks_on_debit_only(
    scenario: RunningSandbox, signed: Signed, findings: dict[tuple[str, str], dict[str, Any]]
) -> None:
    finding = findings[("R2", "transaction_without_bill")]
    totals = {}
    for balance_type in ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT"):
        billed = Decimal(0)
        for mode in ("1", "3", "11"):
            for row in sweep(signed, scenario, SUMS, "bill_sums", 100, cycle=MONTH, charge_mode=mode):
                billed += sum(
                    (d["amount"] for d in row["account_details"] if d["balance_type"] == balance_type),
                    Decimal(0),
                )
        paid = Decimal(0)
        for tx in sweep(
            signed,
            scenario,
            CHANGES,
            "records",
            100,
            balance_type=balance_type,
            trade_time_begin=f"{MONTH}-01",
            trade_time_end=f"{MONTH}-28",
        ):
            sign = {
                "SOURCE_OPERAIION_USAGE": 1,
                "SOURCE_OPERAIION_DEDEUCT": 1,
                "SOURCE_OPERAIION_REFUND": -1,
                "SOURCE_OPERAIION_BILLREFUND": -1,
            }
            paid += sign.get(tx["trade_detail_type"], 0) * Decimal(tx["change_amount"])
        totals[balance_type] = (billed, paid)
    assert totals["BALANCE_TYPE_CREDIT"][0] == totals["BALANCE_TYPE_CREDIT"][1]
    assert totals["BALANCE_TYPE_DEBIT"] == (Decimal(finding["left"]), Decimal(finding["right"]))
    assert finding["keys"] == {"cycle": MONTH, "balance_type": "BALANCE_TYPE_DEBIT"}


def test_r3_and_r4_show_in_the_console_export(
    scenario: RunningSandbox, signed: Signed, tmp_path: Path, findings: dict[tuple[str, str], dict[str, Any]]
) -> None:
    path = export_incentives(scenario.app.world, MONTH, tmp_path / "inc.csv", fmt="csv", lang="en")
    frame = pl.read_csv(path, infer_schema=False)
    plans = {
        p["product_type"]: Decimal(p["rate"])
        for p in httpx.get(f"{scenario.url}/_sandbox/world").json()["plans"]
    }
    wrong = {
        row["Incentive Data ID"]: row
        for row in frame.iter_rows(named=True)
        if Decimal(row["Incentive Rate"]) != plans[row["Product Type"]]
    }
    r3 = findings[("R3", "wrong_incentive_rate")]
    assert set(wrong) == {r3["keys"]["incentive_data_id"]}
    row = wrong[r3["keys"]["incentive_data_id"]]
    expected = (Decimal(row["Base Amount"]) * plans[row["Product Type"]]).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    assert (expected, Decimal(row["Incentive Amount"])) == (Decimal(r3["left"]), Decimal(r3["right"]))
    r4 = findings[("R4", "paid_bill_without_topup")]
    assert set(frame["Status"]) == {"Completed"}
    assert set(frame["Incentive Bill ID"]) == {r4["keys"]["incentive_bill_id"]}
    assert sum(Decimal(v) for v in frame["Incentive Amount"]) == Decimal(r4["left"])
    topups = [
        tx
        for tx in sweep(
            signed,
            scenario,
            CHANGES,
            "records",
            100,
            balance_type="BALANCE_TYPE_DEBIT",
            trade_time_begin="2026-01-01",
            trade_time_end="2026-03-19",
        )
        if tx["trade_detail_type"] == "SOURCE_OPERAIION_RECHARGE_REBATE"
    ]
    assert r4["keys"]["incentive_bill_id"] not in {tx["trade_id"] for tx in topups}
    assert topups, "earlier paid bills still get their top-ups"
