"""The distributor world over HTTP: each holder's view of moving customers, reseller bills, funds, quotas,
balances and the shared rate limit, checked against `/_sandbox/holders` and against each other."""

from __future__ import annotations

import argparse
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from reseller_http import (
    ADJUSTS,
    BALANCES,
    CURRENT,
    CUSTOMER_BALANCES,
    ISSUED,
    MONTH,
    QUOTA_RECORDS,
    bill_mode,
    distributor_config,
    get_all,
    holders,
    truth,
    with_holder,
)
from sandbox_http import CHANGES, CUSTOMERS, FEES, SUMS, Signed, parse

from sandbox.cli import _config, register
from sandbox.server import RunningSandbox, start_in_thread

FOREIGN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def box() -> Iterator[RunningSandbox]:
    with start_in_thread(distributor_config()) as running:
        yield running


@pytest.fixture(scope="module")
def month_truth(box: RunningSandbox) -> dict[str, Any]:
    return truth(box, MONTH)


@pytest.fixture(scope="module")
def views(box: RunningSandbox, signed: Signed, month_truth: dict[str, Any]) -> dict[str | None, list[Any]]:
    """Every fee record each holder is served of MONTH, swept per customer in pages of 50."""
    out: dict[str | None, list[Any]] = {}
    for holder, held in zip(holders(box), month_truth["holders"], strict=True):
        assert held["indirect_partner_id"] == holder
        out[holder] = [
            r
            for c in held["customers"]
            for r in get_all(
                signed, box, FEES, "fee_records", holder, 50, bill_cycle=MONTH, customer_id=c["customer_id"]
            )
        ]
    return out


def beijing_day(utc: str) -> date:
    return (datetime.strptime(utc, "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=8)).date()


def test_each_holder_is_served_the_days_it_held_a_customer_and_the_totals_tie(
    box: RunningSandbox, month_truth: dict[str, Any], views: dict[str | None, list[Any]]
) -> None:
    movers = {m["customer_id"]: m["days"] for m in month_truth["movers"]}
    assert len(movers) == 3
    seen: dict[str, str | None] = {}
    for held in month_truth["holders"]:
        holder = held["indirect_partner_id"]
        records = views[holder]
        days = {c["customer_id"]: c["days"] for c in held["customers"]}
        per_customer: dict[str, Decimal] = defaultdict(Decimal)
        for r in records:
            stints = days[r["customer_id"]]
            assert any(s["begin"] <= beijing_day(r["trade_time"]).isoformat() <= s["end"] for s in stints)
            assert seen.setdefault(r["id"], holder) == holder, "one record under two holders"
            per_customer[r["customer_id"]] += r["payment_amount"]
        assert len(records) == held["fee_records"] > 0
        assert sum(per_customer.values()) == Decimal(held["payment_amount"])
        for c in held["customers"]:
            assert per_customer[c["customer_id"]] == Decimal(c["payment_amount"])
    world = box.app.world
    for customer_id, stints in movers.items():
        assert len({s["indirect_partner_id"] for s in stints}) == 2, "a mover changes hands in MONTH"
        whole = world.served_records(world.customer_by_id[customer_id], MONTH)
        split = [i for i, h in seen.items() if any(r.id == i for r in whole)]
        assert sorted(split) == sorted(r.id for r in whole)
        assert {seen[i] for i in split} == {s["indirect_partner_id"] for s in stints}


def test_customers_with_consumption_are_those_with_records_in_the_holders_days(
    box: RunningSandbox, signed: Signed, month_truth: dict[str, Any]
) -> None:
    path = FEES + "/sub-customers/query"
    for held in month_truth["holders"]:
        body = with_holder({"bill_cycle": MONTH, "offset": 0, "limit": 100}, held["indirect_partner_id"])
        answer = parse(signed(box, "POST", path, body=body).content)
        consuming = {c["customer_id"] for c in answer["sub_customers"]}
        assert answer["total_count"] == len(consuming)
        assert consuming == {c["customer_id"] for c in held["customers"] if c["fee_records"]}
        assert consuming & {m["customer_id"] for m in month_truth["movers"]}


def test_minimum_calls_are_what_a_skipping_sweep_makes(
    box: RunningSandbox, signed: Signed, month_truth: dict[str, Any]
) -> None:
    for held in month_truth["holders"]:
        holder = held["indirect_partner_id"]
        httpx.post(f"{box.url}/_sandbox/stats/reset", timeout=10)
        fetched = 0
        for c in held["customers"]:
            if c["fee_records"]:
                rows = get_all(
                    signed,
                    box,
                    FEES,
                    "fee_records",
                    holder,
                    1000,
                    bill_cycle=MONTH,
                    customer_id=c["customer_id"],
                )
                fetched += len(rows)
        for mode in ("1", "3", "11"):
            if held["monthly_sum"][mode]["rows"]:
                get_all(signed, box, SUMS, "bill_sums", holder, 100, cycle=MONTH, charge_mode=mode)
        calls = httpx.get(f"{box.url}/_sandbox/stats", timeout=10).json()["requests"]
        assert fetched == held["fee_records"]
        assert calls[FEES] == held["minimum_calls"]["res_fee_records"] > 0
        assert calls[SUMS] == held["minimum_calls"]["monthly_sum"] > 0


def test_reseller_monthly_sum_ties_to_its_fee_records_per_customer_and_mode(
    box: RunningSandbox, signed: Signed, month_truth: dict[str, Any], views: dict[str | None, list[Any]]
) -> None:
    movers = {m["customer_id"] for m in month_truth["movers"]}
    bills_by_holder: dict[str | None, dict[tuple[str, str], Decimal]] = {}
    for held in month_truth["holders"]:
        holder = held["indirect_partner_id"]
        resale = {c["customer_id"] for c in held["customers"] if c["association_type"] == "2"}
        details: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for r in views[holder]:
            if r["customer_id"] in resale:
                details[(r["customer_id"], bill_mode(r["charging_mode"]))] += r["payment_amount"]
        bills: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for mode in ("1", "3", "11"):
            for row in get_all(signed, box, SUMS, "bill_sums", holder, 7, cycle=MONTH, charge_mode=mode):
                assert row["customer_id"] in resale
                bills[(row["customer_id"], row["charge_mode"])] += row["amount"]
            assert Decimal(held["monthly_sum"][mode]["amount"]) == sum(
                (v for (_, m), v in bills.items() if m == mode), Decimal(0)
            )
        assert bills == {k: v for k, v in details.items() if v}
        bills_by_holder[holder] = bills
    for mover in movers:
        parts = [
            sum((v for (c, _), v in bills.items() if c == mover), Decimal(0))
            for bills in bills_by_holder.values()
        ]
        assert sum(p != 0 for p in parts) == 2, "a mover's month is billed in two holders' monthly-sum"


def test_reseller_balance_follows_its_account_changes_and_funds_match_both_sides(
    box: RunningSandbox, signed: Signed, month_truth: dict[str, Any]
) -> None:
    last = box.app.world.last_day
    window = {"trade_time_begin": "2026-01-01", "trade_time_end": last.isoformat()}
    distributor = get_all(
        signed, box, CHANGES, "records", None, 100, balance_type="BALANCE_TYPE_DEBIT", **window
    )
    for held in month_truth["holders"][1:]:
        reseller = held["indirect_partner_id"]
        for balance_type, account_type in (("BALANCE_TYPE_DEBIT", 1), ("BALANCE_TYPE_CREDIT", 2)):
            changes = get_all(
                signed, box, CHANGES, "records", reseller, 100, balance_type=balance_type, **window
            )
            for before, after in itertools.pairwise(changes):
                sign = 1 if after["type"] == "1" else -1
                assert Decimal(before["balance_after_change"]) + sign * Decimal(
                    after["change_amount"]
                ) == Decimal(after["balance_after_change"])
            served = parse(signed(box, "GET", BALANCES, {"indirect_partner_id": reseller}).content)
            amount = {b["account_type"]: b["amount"] for b in served["account_balances"]}[account_type]
            expected = Decimal(changes[-1]["balance_after_change"]) if changes else Decimal(0)
            assert amount == expected == Decimal(held["balances"][balance_type])
        debit = get_all(
            signed, box, CHANGES, "records", reseller, 100, balance_type="BALANCE_TYPE_DEBIT", **window
        )
        ours = {
            (t["trade_id"], t["change_amount"])
            for t in debit
            if t["trade_detail_type"] in ("SOURCE_OPERATION_RECHARGE", "SOURCE_OPERATION_BERETRIEVE")
        }
        theirs = {
            (t["trade_id"], t["change_amount"]) for t in distributor if t.get("customer_id") == reseller
        }
        assert ours == theirs
        assert {t["trade_detail_type"] for t in distributor if t.get("customer_id") == reseller} == {
            "SOURCE_OPERATION_BEADJUST",
            "SOURCE_OPERATION_BERETRIEVE",
        }
        net = Decimal(0)
        for t in debit:
            if beijing_day(t["trade_time"]).strftime("%Y-%m") == MONTH:
                if t["trade_detail_type"] == "SOURCE_OPERATION_RECHARGE":
                    net += Decimal(t["change_amount"])
                elif t["trade_detail_type"] == "SOURCE_OPERATION_BERETRIEVE":
                    net -= Decimal(t["change_amount"])
        assert net == Decimal(held["funds"]["reseller_net"]) == Decimal(held["funds"]["distributor_net"]) != 0


def test_quotas_issued_to_resellers_match_their_issue_and_reclaim_log(
    box: RunningSandbox, signed: Signed, month_truth: dict[str, Any]
) -> None:
    everyone = get_all(signed, box, ISSUED, "quotas", None, 4)
    for held in month_truth["holders"][1:]:
        reseller = held["indirect_partner_id"]
        quotas = get_all(signed, box, ISSUED, "quotas", reseller, 2)
        log = get_all(signed, box, QUOTA_RECORDS, "records", reseller, 2)
        assert quotas == [q for q in everyone if q["indirect_partner_id"] == reseller]
        assert (
            {q["indirect_partner_id"] for q in quotas}
            == {r["indirect_partner_id"] for r in log}
            == {reseller}
        )
        value = {q["quota_id"]: q["quota_value"] for q in quotas}
        for r in log:
            assert r["amount"] == value[r["quota_id"]] > 0
        reclaimed = {r["quota_id"] for r in log if r["operation_type"] == "11"}
        assert reclaimed == {q["quota_id"] for q in quotas if q["quota_status"] == 6} != set()
        assert {r["quota_id"] for r in log if r["operation_type"] == "10"} == set(value)
        net = sum(value.values()) - sum(value[q] for q in reclaimed)
        assert net == Decimal(held["quotas"]["issued_net"]) == Decimal(held["quotas"]["records_net"])
        own = parse(
            signed(
                box,
                "POST",
                "/v2/partners/coupon-quotas/query",
                body={"indirect_partner_id": reseller, "limit": 10},
            ).content
        )["quotas"]
        assert {q["quota_id"]: q["quota_status"] for q in own} == {
            q["quota_id"]: 3 if q["quota_status"] == 6 else q["quota_status"] for q in quotas
        }


def test_customers_and_their_balances_follow_the_holder_on_the_clock(
    box: RunningSandbox, signed: Signed
) -> None:
    now = truth(box, CURRENT)
    last = now["last_day"]
    everyone = [c.customer_id for c in box.app.world.customers]
    holder_of: dict[str, str | None] = {}
    for held in now["holders"]:
        holder = held["indirect_partner_id"]
        body = with_holder({"offset": 0, "limit": 100}, holder)
        listed = parse(signed(box, "POST", CUSTOMERS, body=body).content)["customer_infos"]
        assert [c["customer_id"] for c in listed] == held["customers_now"]
        for c in listed:
            assert holder_of.setdefault(c["customer_id"], holder) == holder
        balances = parse(
            signed(
                box,
                "POST",
                CUSTOMER_BALANCES,
                body=with_holder({"customer_infos": [{"customer_id": i} for i in everyone]}, holder),
            ).content
        )["customer_balances"]
        resale = {c["customer_id"] for c in listed if c["association_type"] == "2"}
        assert {b["customer_id"] for b in balances} == resale
        assert {b["customer_id"]: str(b["amount"]) for b in balances} == held["customer_balances"]
    summary = httpx.get(f"{box.url}/_sandbox/world", timeout=30).json()
    listed_under = {c["customer_id"]: c["indirect_partner_id"] for c in summary["customers"]}
    assert len(summary["movers"]) == len(now["movers"]) == 3
    for mover in now["movers"]:
        current = next(s for s in mover["days"] if s["begin"] <= last <= s["end"])
        assert holder_of[mover["customer_id"]] == current["indirect_partner_id"]
        assert listed_under[mover["customer_id"]] == current["indirect_partner_id"]
    for told in summary["movers"]:
        history = told["history"]
        assert history[0]["begin"] == summary["first_day"]
        assert history[-1]["end"] == last
        assert history[-1]["indirect_partner_id"] == listed_under[told["customer_id"]]
        for before, after in itertools.pairwise(history):
            assert date.fromisoformat(before["end"]) + timedelta(days=1) == date.fromisoformat(after["begin"])
            assert before["indirect_partner_id"] != after["indirect_partner_id"]
            assert date.fromisoformat(after["begin"]).day == told["move_day"]
    allocated: dict[str, Decimal] = defaultdict(Decimal)
    for holder in holders(box):
        for r in get_all(
            signed, box, ADJUSTS, "records", holder, 100, operation_type="SOURCE_OPERATION_BEADJUST"
        ):
            allocated[r["customer_id"]] += Decimal(r["amount"])
    for held in now["holders"]:
        for customer_id, amount in held["customer_balances"].items():
            assert Decimal(amount) == allocated[customer_id]
    assert any(Decimal(a) > 0 for held in now["holders"] for a in held["customer_balances"].values())


def test_orders_belong_to_the_holder_of_their_day(box: RunningSandbox, signed: Signed) -> None:
    world = box.app.world
    owner: dict[str, str | None] = {}
    holders_of: dict[str, set[str | None]] = defaultdict(set)
    for holder in holders(box):
        for order in get_all(signed, box, "/v2/orders/customer-orders", "order_infos", holder, 100):
            assert owner.setdefault(order["order_id"], holder) == holder
            customer = world.customer_by_id[order["customer_id"]]
            assert world.population.holder_on(customer, beijing_day(order["payment_time"])) == holder
            holders_of[order["customer_id"]].add(holder)
    sizes = {len(held) for held in holders_of.values()}
    assert 1 in sizes
    assert max(sizes) >= 2, "a mover's orders split between holders"
    assert all(
        world.population.associations.is_mover(world.customer_by_id[c])
        for c, held in holders_of.items()
        if len(held) > 1
    )


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", FEES, {"bill_cycle": MONTH, "customer_id": "x"}),
        ("GET", SUMS, {"cycle": MONTH, "charge_mode": "3"}),
        ("GET", CHANGES, {"balance_type": "BALANCE_TYPE_DEBIT"}),
        ("GET", BALANCES, {}),
        ("GET", ADJUSTS, {}),
        ("GET", "/v2/orders/customer-orders", {}),
        ("GET", ISSUED, {}),
        ("GET", QUOTA_RECORDS, {}),
        ("POST", CUSTOMERS, {"limit": 10}),
        ("POST", CUSTOMER_BALANCES, {"customer_infos": [{"customer_id": "x"}]}),
    ],
    ids=[
        "fees",
        "sums",
        "changes",
        "balances",
        "adjusts",
        "orders",
        "issued",
        "quota-records",
        "customers",
        "customer-balances",
    ],
)
def test_a_foreign_reseller_is_cbc_99000037(
    box: RunningSandbox, signed: Signed, method: str, path: str, params: dict[str, object]
) -> None:
    own = box.app.world.resellers[0].indirect_partner_id
    for holder, status in ((FOREIGN, 400), (own, 200)):
        query = params | {"indirect_partner_id": holder}
        response = signed(
            box, method, path, query if method == "GET" else None, query if method == "POST" else None
        )
        assert response.status_code == status, response.text
        if status == 400:
            assert response.json()["error_code"] == "CBC.99000037"


def test_one_rate_limit_per_api_whatever_the_reseller(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    limited = sandbox_factory(**vars_of(distributor_config(rate_limit=0.5, movers=0)))
    ids = holders(limited)
    answers = [
        signed(limited, "GET", BALANCES, with_holder({}, ids[n % len(ids)])).status_code for n in range(8)
    ]
    # one bucket for the partner (burst 1, a token every 2 s): the second reseller's call is already over it
    assert answers[:2] == [200, 429]
    assert answers.count(429) >= 5, answers
    other = signed(
        limited, "GET", CHANGES, {"balance_type": "BALANCE_TYPE_DEBIT", "indirect_partner_id": ids[1]}
    )
    assert other.status_code == 200
    assert limited.app.stats.throttled[BALANCES] == answers.count(429)


def test_serve_options_shape_the_distributor_world(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="pbw")
    register(parser.add_subparsers(dest="command", required=True))
    args = ["sandbox", "serve", "--resellers", "5", "--customers-per-reseller", "2", "--movers", "3"]
    world = _config(parser.parse_args([*args, "--customers", "4"])).build_world()
    assert len(world.resellers) == 5
    movers = [c for c in world.customers if world.population.associations.is_mover(c)]
    assert len(movers) == 3
    assert [
        sum(c not in movers for c in world.customers_of(r.indirect_partner_id)) for r in world.resellers
    ] == [2] * 5
    assert len(world.customers_of(None)) == 4
    refused = parser.parse_args([*args[:-1], "4"])
    assert refused.func(refused) == 2
    assert "--movers" in capsys.readouterr().err


def vars_of(config: Any) -> dict[str, Any]:
    return {name: getattr(config, name) for name in config.__dataclass_fields__}
