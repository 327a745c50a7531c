"""The sandbox world over HTTP: determinism, late records, time zones, freezing, restatements, auth edges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sandbox_http import CHANGES, CUSTOMERS, FEES, SUMS, Signed, iam_password_body, parse, sweep

from sandbox.server import RunningSandbox

TODAY = date(2026, 3, 20)


def customers(signed: Signed, box: RunningSandbox, **body: object) -> list[dict[str, Any]]:
    return parse(signed(box, "POST", CUSTOMERS, body={"offset": 0, "limit": 100, **body}).content)[
        "customer_infos"
    ]


def set_clock(box: RunningSandbox, day: date) -> None:
    assert httpx.post(f"{box.url}/_sandbox/clock", json={"today": day.isoformat()}).json()["today"] == str(
        day
    )


def beijing_date(utc_text: str) -> date:
    return (datetime.strptime(utc_text, "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=8)).date()


def test_same_seed_gives_identical_bytes(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    boxes = [sandbox_factory(seed=seed, today=TODAY, rate_limit=None) for seed in (7, 7, 8)]
    calls = [
        ("POST", CUSTOMERS, None, {"offset": 0, "limit": 100}),
        ("GET", SUMS, {"cycle": "2026-02", "charge_mode": "3", "limit": 100}, None),
        (
            "GET",
            CHANGES,
            {
                "balance_type": "BALANCE_TYPE_DEBIT",
                "trade_time_begin": "2026-02-01",
                "trade_time_end": "2026-02-28",
                "limit": 100,
            },
            None,
        ),
        ("GET", "/v2/orders/customer-orders", {"limit": 100}, None),
    ]
    bodies = [
        [signed(box, m, p, params, body).content for m, p, params, body in calls[: 4 if n < 2 else 2]]
        for n, box in enumerate(boxes)
    ]
    first = parse(bodies[0][0])["customer_infos"][0]["customer_id"]
    fee_calls = [
        signed(box, "GET", FEES, {"bill_cycle": "2026-02", "customer_id": first, "limit": 1000}).content
        for box in boxes[:2]
    ]
    assert bodies[0] == bodies[1]
    assert fee_calls[0] == fee_calls[1]
    assert len(parse(fee_calls[0])["fee_records"]) > 100
    assert all(a != b for a, b in zip(bodies[0], bodies[2], strict=False))


def test_late_records_arrive_on_the_next_days_then_the_month_freezes(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    box = sandbox_factory(today=date(2026, 3, 2), late_share=0.4, rate_limit=None)
    resale = [c for c in customers(signed, box) if c["association_type"] == "2"]
    day = {"bill_cycle": "2026-02", "bill_date_begin": "2026-02-28", "bill_date_end": "2026-02-28"}
    counts = []
    sums = []
    for today in (
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2026, 3, 2),
        date(2026, 3, 3),
        date(2026, 3, 5),
        date(2026, 3, 25),
    ):
        set_clock(box, today)
        counts.append(
            sum(
                parse(signed(box, "GET", FEES, {**day, "customer_id": c["customer_id"], "limit": 1}).content)[
                    "total_count"
                ]
                for c in resale[:4]
            )
        )
        sums.append(signed(box, "GET", SUMS, {"cycle": "2026-02", "charge_mode": "3", "limit": 100}).content)
    records_per_day = box.config.records_per_day
    assert counts[0] == 0
    assert 0 < counts[1] < counts[2] < counts[3] == counts[4] == counts[5] >= 4 * records_per_day
    assert sums[1] != sums[2] != sums[3]
    assert sums[4] == sums[5]


def test_trade_times_are_utc_and_bill_dates_are_beijing(sandbox: RunningSandbox, signed: Signed) -> None:
    customer = customers(signed, sandbox)[0]["customer_id"]
    month = f"{sandbox.app.world.today.replace(day=1) - timedelta(days=1):%Y-%m}"
    records = sweep(signed, sandbox, FEES, "fee_records", 1000, bill_cycle=month, customer_id=customer)
    assert {beijing_date(r["trade_time"]).strftime("%Y-%m") for r in records} == {month}
    previous_utc_day = [
        r for r in records if r["trade_time"][:10] != beijing_date(r["trade_time"]).isoformat()
    ]
    assert len(previous_utc_day) > len(records) // 10
    picked = beijing_date(previous_utc_day[0]["trade_time"])
    filtered = sweep(
        signed,
        sandbox,
        FEES,
        "fee_records",
        1000,
        bill_cycle=month,
        customer_id=customer,
        bill_date_begin=picked.isoformat(),
        bill_date_end=picked.isoformat(),
    )
    assert {r["id"] for r in filtered} == {
        r["id"] for r in records if beijing_date(r["trade_time"]) == picked
    }


def test_r2_bill_account_details_equal_partner_transactions(sandbox: RunningSandbox, signed: Signed) -> None:
    today = sandbox.app.world.today
    last = today.replace(day=1) - timedelta(days=1)
    month = f"{last:%Y-%m}"
    for balance_type in ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT"):
        billed = Decimal(0)
        for mode in ("1", "3", "11"):
            for row in sweep(signed, sandbox, SUMS, "bill_sums", 100, cycle=month, charge_mode=mode):
                billed += sum(
                    (d["amount"] for d in row["account_details"] if d["balance_type"] == balance_type),
                    Decimal(0),
                )
        paid = Decimal(0)
        kinds = set()
        for tx in sweep(
            signed,
            sandbox,
            CHANGES,
            "records",
            100,
            balance_type=balance_type,
            trade_time_begin=f"{month}-01",
            trade_time_end=last.isoformat(),
        ):
            kinds.add(tx["trade_detail_type"])
            assert beijing_date(tx["trade_time"]).strftime("%Y-%m") == month
            if tx["trade_detail_type"] in ("SOURCE_OPERAIION_USAGE", "SOURCE_OPERAIION_DEDEUCT"):
                paid += Decimal(tx["change_amount"])
            elif tx["trade_detail_type"] == "SOURCE_OPERAIION_REFUND":
                paid -= Decimal(tx["change_amount"])
        assert billed == paid != 0
        assert {"SOURCE_OPERAIION_USAGE", "SOURCE_OPERAIION_DEDEUCT"} <= kinds


def test_restatement_changes_a_frozen_month_on_the_10th(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    box = sandbox_factory(today=date(2026, 3, 9), scenario="restatement", rate_limit=None)
    restatement = httpx.get(f"{box.url}/_sandbox/manifest").json()["restatements"][0]
    assert restatement["cycle"] == "2026-02"
    assert restatement["published_on"] == "2026-03-10"

    def bill() -> Decimal:
        rows = sweep(
            signed,
            box,
            SUMS,
            "bill_sums",
            100,
            cycle="2026-02",
            charge_mode="3",
            customer_id=restatement["customer_id"],
        )
        return sum((r["amount"] for r in rows), Decimal(0))

    def adjustments() -> list[dict[str, Any]]:
        return sweep(
            signed,
            box,
            FEES,
            "fee_records",
            1000,
            bill_cycle="2026-02",
            customer_id=restatement["customer_id"],
            bill_detail_type=16,
        )

    before, none = bill(), adjustments()
    set_clock(box, date(2026, 3, 10))
    after, found = bill(), adjustments()
    assert none == []
    assert [r["id"] for r in found] == [restatement["record_id"]]
    assert after - before == Decimal(restatement["amount"]) == found[0]["payment_amount"]
    assert beijing_date(found[0]["trade_time"]) == date(2026, 2, 28)


def test_reseller_customers_need_indirect_partner_id(sandbox: RunningSandbox, signed: Signed) -> None:
    partners = parse(
        signed(
            sandbox, "POST", "/v2/partners/indirect-partners/query", body={"offset": 0, "limit": 100}
        ).content
    )["indirect_partners"]
    direct = {c["customer_id"] for c in customers(signed, sandbox)}
    reseller_id = partners[0]["indirect_partner_id"]
    theirs = {c["customer_id"] for c in customers(signed, sandbox, indirect_partner_id=reseller_id)}
    assert len(partners) >= 2
    assert theirs
    assert not theirs & direct
    month = f"{sandbox.app.world.today.replace(day=1) - timedelta(days=1):%Y-%m}"
    one = sorted(theirs)[0]
    hidden = parse(signed(sandbox, "GET", FEES, {"bill_cycle": month, "customer_id": one}).content)
    shown = parse(
        signed(
            sandbox,
            "GET",
            FEES,
            {"bill_cycle": month, "customer_id": one, "indirect_partner_id": reseller_id},
        ).content
    )
    assert hidden["total_count"] == 0 < shown["total_count"]


def test_iam_token_auth(sandbox: RunningSandbox) -> None:
    body = iam_password_body()
    issued = httpx.post(f"{sandbox.url}/v3/auth/tokens", json=body)
    assert issued.status_code == 201
    assert issued.json()["token"]["expires_at"].endswith("Z")
    token = issued.headers["x-subject-token"]
    path = f"{sandbox.url}/v2/accounts/partner-accounts/balances"
    good = httpx.get(path, headers={"X-Auth-Token": token})
    bad = httpx.get(path, headers={"X-Auth-Token": token[:-2] + "xx"})
    refused = httpx.post(f"{sandbox.url}/v3/auth/tokens", json=iam_password_body(password="wrong"))
    assert good.status_code == 200
    assert len(good.json()["account_balances"]) == 2
    assert (bad.status_code, bad.json()["error_code"]) == (401, "APIG.0301")
    assert refused.status_code == 401
    assert "x-subject-token" not in refused.headers


@pytest.mark.parametrize("defect", ["skew", "no_domain", "unsigned", "foreign_domain"])
def test_auth_defects(sandbox: RunningSandbox, defect: str) -> None:
    from partner_center.signing import sign

    url = f"{sandbox.url}/v2/accounts/partner-accounts/balances"
    headers = {"Content-Type": "application/json", "X-Domain-Id": sandbox.domain_id}
    when = None
    if defect == "skew":
        when = (datetime.utcnow() - timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    if defect == "no_domain":
        headers.pop("X-Domain-Id")
    if defect == "foreign_domain":
        headers["X-Domain-Id"] = "f" * 32
    if defect != "unsigned":
        headers |= sign("GET", url, headers, b"", sandbox.ak, sandbox.sk, sdk_date=when)
    response = httpx.get(url, headers=headers)
    expected = (403, "CBC.0151") if defect == "foreign_domain" else (401, "APIG.0301")
    assert (response.status_code, response.json()["error_code"]) == expected
    assert response.headers["x-request-id"]


def test_every_response_has_a_request_id(sandbox: RunningSandbox, signed: Signed) -> None:
    responses = [
        httpx.get(f"{sandbox.url}/v2/no/such/api"),
        httpx.get(f"{sandbox.url}/_sandbox/world"),
        signed(sandbox, "GET", SUMS, {"cycle": "2026-13", "charge_mode": "3"}),
        signed(sandbox, "GET", SUMS, {"cycle": "2026-01", "charge_mode": "3"}),
    ]
    assert [r.status_code for r in responses] == [404, 200, 400, 200]
    assert len({r.headers["x-request-id"] for r in responses}) == 4
    assert "cycle" in responses[2].json()["error_msg"]
    assert responses[0].json()["error_code"] == "APIG.0101"


def test_world_summary_lists_plans_and_customers(sandbox: RunningSandbox) -> None:
    world = httpx.get(f"{sandbox.url}/_sandbox/world").json()
    direct = [c for c in world["customers"] if c["indirect_partner_id"] is None]
    assert len(direct) == 30
    assert world["seed"] == 42
    resale = sum(c["association_type"] == "2" for c in direct)
    assert 15 <= resale <= 25
    assert {p["product_type"] for p in world["plans"]} == {
        p["service_type_code"] for p in world["policies"] if p["incentive_policy"] not in ("2", "13")
    }
    assert date.fromisoformat(world["last_day"]) == date.fromisoformat(world["today"]) - timedelta(days=1)


def test_allocations_agree_with_beadjust_transactions(sandbox: RunningSandbox, signed: Signed) -> None:
    last = sandbox.app.world.last_day
    begin = last.replace(day=1) - timedelta(days=70)
    log = sweep(
        signed,
        sandbox,
        "/v3/accounts/partner-accounts/adjust-records",
        "records",
        100,
        operation_time_begin=f"{begin - timedelta(days=1):%Y-%m-%d}T16:00:00Z",
        operation_type="SOURCE_OPERATION_BEADJUST",
    )
    changes = sweep(
        signed,
        sandbox,
        CHANGES,
        "records",
        100,
        balance_type="BALANCE_TYPE_DEBIT",
        trade_type="BEADJUST",
        trade_time_begin=begin.isoformat(),
        trade_time_end=last.isoformat(),
    )
    assert len(changes) >= 2
    assert [(r["trans_id"], r["customer_id"], r["amount"]) for r in log] == [
        (t["trade_id"], t["customer_id"], t["change_amount"]) for t in changes
    ]
    assert {t["type"] for t in changes} == {"2"}


def test_too_few_customers_for_a_scenario_is_a_clear_error() -> None:
    from sandbox.config import SandboxConfig

    with pytest.raises(ValueError, match="more customers"):
        SandboxConfig(customers=2, scenario="reconciliation", today=TODAY).build_world()


def test_period_fee_records_carry_the_order_ids_of_customer_orders(
    sandbox: RunningSandbox, signed: Signed
) -> None:
    month = f"{sandbox.app.world.today.replace(day=1) - timedelta(days=1):%Y-%m}"
    period_records = []
    for customer in customers(signed, sandbox):
        period_records += sweep(
            signed,
            sandbox,
            FEES,
            "fee_records",
            1000,
            bill_cycle=month,
            customer_id=customer["customer_id"],
            charging_mode=1,
        )
    begin = f"{month}-01T00:00:00Z"
    orders = sweep(
        signed,
        sandbox,
        "/v2/orders/customer-orders",
        "order_infos",
        100,
        payment_time_begin=f"{date.fromisoformat(begin[:10]) - timedelta(days=1)}T00:00:00Z",
    )
    by_id = {o["order_id"]: o for o in orders}
    assert period_records
    for r in period_records:
        order = by_id[r["trade_id"]]
        assert order["customer_id"] == r["customer_id"]
        assert order["payment_time"] == r["trade_time"]
        assert Decimal(str(order["amount_after_discount"])) == abs(r["payment_amount"])
        assert order["order_type"] == {1: 1, 2: 2, 8: 2, 4: 4}[r["bill_detail_type"]]


@pytest.mark.parametrize("lockout", [True, False], ids=["lockout-on", "lockout-off"])
def test_five_bad_signatures_lock_the_ak_only_when_enabled(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed, lockout: bool
) -> None:
    box = sandbox_factory(today=TODAY, rate_limit=None, ak_lockout=lockout)
    path = "/v2/accounts/partner-accounts/balances"
    bad = [
        signed(box, "GET", path, sk="wrong-secret-key-000000000000000000000").status_code for _ in range(5)
    ]
    good = signed(box, "GET", path)
    assert bad == [401] * 5
    if lockout:
        assert good.status_code == 401
        assert "locked" in good.json()["error_msg"]
    else:
        assert good.status_code == 200
