"""The `resellers` scenario breaks R1, R5_QUOTA, R6_FUNDS and R7_BALANCE inside resellers exactly where its
manifest says (keys with `indirect_partner_id`), and every other reseller still reconciles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from reseller_http import (
    BALANCES,
    ISSUED,
    MONTH,
    QUOTA_RECORDS,
    bill_mode,
    distributor_config,
    get_all,
    holders,
    truth,
)
from sandbox_http import CHANGES, FEES, SUMS, Signed, parse

from sandbox.server import RunningSandbox, start_in_thread

RESELLER_RULES = {"R1", "R2", "R5_QUOTA", "R6_FUNDS", "R7_BALANCE"}
# expenses (type 2) and refunds (type 1) for consumption; BILLREFUND = Huawei's write-off paid back (issue 16)
CONSUMPTION = (
    "SOURCE_OPERAIION_USAGE",
    "SOURCE_OPERAIION_DEDEUCT",
    "SOURCE_OPERAIION_REFUND",
    "SOURCE_OPERAIION_BILLREFUND",
)


@pytest.fixture(scope="module")
def box() -> Iterator[RunningSandbox]:
    with start_in_thread(distributor_config(scenario="resellers")) as running:
        yield running


@pytest.fixture(scope="module")
def findings(box: RunningSandbox) -> list[dict[str, Any]]:
    manifest = httpx.get(f"{box.url}/_sandbox/manifest").json()
    assert (manifest["scenario"], manifest["scenario_month"]) == ("resellers", MONTH)
    return list(manifest["findings"])


def of(findings: list[dict[str, Any]], rule: str, reseller: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["rule"] == rule and f["keys"]["indirect_partner_id"] == reseller]


def test_every_finding_names_its_reseller_and_the_breaks_are_spread(
    box: RunningSandbox, findings: list[dict[str, Any]]
) -> None:
    resellers = set(holders(box)[1:])
    assert {f["rule"] for f in findings} == RESELLER_RULES
    assert sorted(f["rule"] for f in findings) == ["R1", "R1", "R2", "R5_QUOTA", "R6_FUNDS", "R7_BALANCE"]
    assert all(f["keys"]["indirect_partner_id"] in resellers for f in findings)
    assert len({f["keys"]["indirect_partner_id"] for f in findings}) == 3
    assert all(Decimal(f["left"]) != Decimal(f["right"]) for f in findings)


def test_r1_breaks_only_at_the_published_reseller_keys(
    box: RunningSandbox, signed: Signed, findings: list[dict[str, Any]]
) -> None:
    held_month = truth(box, MONTH)
    for held in held_month["holders"][1:]:
        reseller = held["indirect_partner_id"]
        resale = {c["customer_id"] for c in held["customers"] if c["association_type"] == "2"}
        details: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for customer_id in resale:
            for r in get_all(
                signed, box, FEES, "fee_records", reseller, 1000, bill_cycle=MONTH, customer_id=customer_id
            ):
                details[(customer_id, bill_mode(r["charging_mode"]))] += r["payment_amount"]
        bills: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for mode in ("1", "3", "11"):
            for row in get_all(signed, box, SUMS, "bill_sums", reseller, 100, cycle=MONTH, charge_mode=mode):
                bills[(row["customer_id"], row["charge_mode"])] += row["amount"]
        broken = {k for k in set(bills) | set(details) if bills[k] != details[k]}
        published = of(findings, "R1", reseller)
        assert broken == {(f["keys"]["customer_id"], f["keys"]["charging_mode"]) for f in published}
        for f in published:
            key = (f["keys"]["customer_id"], f["keys"]["charging_mode"])
            assert f["keys"]["cycle"] == MONTH
            assert (details[key], bills[key]) == (Decimal(f["left"]), Decimal(f["right"]))


def month_net(records: list[Any], codes: tuple[str, str]) -> Decimal:
    net = Decimal(0)
    for t in records:
        day = (datetime.strptime(t["trade_time"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=8)).strftime(
            "%Y-%m"
        )
        if day == MONTH and t["trade_detail_type"] in codes:
            net += Decimal(t["change_amount"]) * (1 if t["trade_detail_type"] == codes[0] else -1)
    return net


def test_r2_breaks_only_in_the_published_reseller(
    box: RunningSandbox, signed: Signed, findings: list[dict[str, Any]]
) -> None:
    window = {
        "balance_type": "BALANCE_TYPE_DEBIT",
        "trade_time_begin": "2026-02-01",
        "trade_time_end": "2026-02-28",
    }
    for reseller in holders(box)[1:]:
        assert reseller is not None
        billed = Decimal(0)
        for mode in ("1", "3", "11"):
            for row in get_all(signed, box, SUMS, "bill_sums", reseller, 100, cycle=MONTH, charge_mode=mode):
                billed += sum(
                    (
                        d["amount"]
                        for d in row["account_details"]
                        if d["balance_type"] == "BALANCE_TYPE_DEBIT"
                    ),
                    Decimal(0),
                )
        paid = Decimal(0)
        for t in get_all(signed, box, CHANGES, "records", reseller, 100, **window):
            if t["trade_detail_type"] in CONSUMPTION:
                paid += Decimal(t["change_amount"]) * (1 if t["type"] == "2" else -1)
        published = of(findings, "R2", reseller)
        assert (billed != paid) == bool(published)
        assert billed > 0
        if published:
            assert (billed, paid) == (Decimal(published[0]["left"]), Decimal(published[0]["right"]))
            assert paid - billed == Decimal("99.90")
            assert published[0]["keys"]["balance_type"] == "BALANCE_TYPE_DEBIT"


def test_r6_funds_and_r7_balance_break_only_in_the_published_reseller(
    box: RunningSandbox, signed: Signed, findings: list[dict[str, Any]]
) -> None:
    window = {
        "balance_type": "BALANCE_TYPE_DEBIT",
        "trade_time_begin": "2026-01-25",
        "trade_time_end": "2026-03-19",
    }
    distributor = get_all(signed, box, CHANGES, "records", None, 100, **window)
    for reseller in holders(box)[1:]:
        assert reseller is not None
        given = [t for t in distributor if t.get("customer_id") == reseller]
        left = month_net(given, ("SOURCE_OPERATION_BEADJUST", "SOURCE_OPERATION_BERETRIEVE"))
        own = get_all(signed, box, CHANGES, "records", reseller, 100, **window)
        right = month_net(own, ("SOURCE_OPERATION_RECHARGE", "SOURCE_OPERATION_BERETRIEVE"))
        funds = of(findings, "R6_FUNDS", reseller)
        assert (left != right) == bool(funds)
        if funds:
            assert (left, right) == (Decimal(funds[0]["left"]), Decimal(funds[0]["right"]))
            assert left - right == Decimal("2000.00")
        served = parse(signed(box, "GET", BALANCES, {"indirect_partner_id": reseller}).content)[
            "account_balances"
        ]
        cash = next(b["amount"] for b in served if b["account_type"] == 1)
        last = Decimal(own[-1]["balance_after_change"])
        balance = of(findings, "R7_BALANCE", reseller)
        assert (cash != last) == bool(balance)
        if balance:
            assert (last, cash) == (Decimal(balance[0]["left"]), Decimal(balance[0]["right"]))


def test_r5_quota_breaks_only_where_a_reclaim_left_the_status(
    box: RunningSandbox, signed: Signed, findings: list[dict[str, Any]]
) -> None:
    for reseller in holders(box)[1:]:
        assert reseller is not None
        quotas = get_all(signed, box, ISSUED, "quotas", reseller, 100)
        log = get_all(signed, box, QUOTA_RECORDS, "records", reseller, 100)
        issued = sum(q["quota_value"] for q in quotas) - sum(
            q["quota_value"] for q in quotas if q["quota_status"] == 6
        )
        logged = sum(r["amount"] * (1 if r["operation_type"] == "10" else -1) for r in log)
        published = of(findings, "R5_QUOTA", reseller)
        assert (issued != logged) == bool(published)
        if published:
            assert (issued, logged) == (Decimal(published[0]["left"]), Decimal(published[0]["right"]))
            stuck = published[0]["keys"]["quota_id"]
            assert [q["quota_status"] for q in quotas if q["quota_id"] == stuck] == [0]
            assert [r["operation_type"] for r in log if r["quota_id"] == stuck] == ["10", "11"]
