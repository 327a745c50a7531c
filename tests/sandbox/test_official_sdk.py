"""The official huaweicloudsdkbss client, pointed at the sandbox, pages through every billing API."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from huaweicloudsdkbss.v2 import (
    BssClient,
    ListConsumeSubCustomersReq,
    ListConsumeSubCustomersRequest,
    ListCustomerOrdersRequest,
    ListPartnerAccountChangeRecordsRequest,
    ListPartnerBalancesRequest,
    ListSubCustomerBillDetailRequest,
    ListSubcustomerMonthlyBillsRequest,
    ListSubCustomersRequest,
    QuerySubCustomerListReq,
)
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from sandbox.server import RunningSandbox


def client_for(box: RunningSandbox, sk: str | None = None) -> BssClient:
    credentials = GlobalCredentials(box.ak, sk or box.sk, box.domain_id)
    return BssClient.new_builder().with_credentials(credentials).with_endpoints([box.url]).build()


def closed_month(today: date) -> str:
    """The latest month whose bill is final (from the 5th of the following month)."""
    last = today.replace(day=1) - timedelta(days=1)
    if today.day < 5:
        last = last.replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}"


@pytest.fixture(scope="module")
def bss(sandbox: RunningSandbox) -> BssClient:
    return client_for(sandbox)


@pytest.fixture(scope="module")
def month(sandbox: RunningSandbox) -> str:
    return closed_month(sandbox.app.world.today)


def all_customers(bss: BssClient) -> list[object]:
    out: list[object] = []
    while True:
        page = bss.list_sub_customers(
            ListSubCustomersRequest(body=QuerySubCustomerListReq(offset=len(out), limit=7))
        )
        out += page.customer_infos
        if len(page.customer_infos) < 7:
            return out


def fee_records(bss: BssClient, month: str, customer_id: str, limit: int) -> tuple[int, list[object]]:
    out: list[object] = []
    total = -1
    while total < 0 or len(out) < total:
        page = bss.list_sub_customer_bill_detail(
            ListSubCustomerBillDetailRequest(
                bill_cycle=month, customer_id=customer_id, offset=len(out), limit=limit
            )
        )
        total = page.total_count
        out += page.fee_records
        if not page.fee_records:
            break
    return total, out


def test_customers_page_with_0_based_offsets(bss: BssClient, sandbox: RunningSandbox) -> None:
    customers = all_customers(bss)
    direct = [c for c in sandbox.app.world.customers if c.holder is None]
    assert [c.customer_id for c in customers] == [c.customer_id for c in direct]
    types = {c.association_type for c in customers}
    assert types == {"1", "2"}
    assert sum(c.association_type == "2" for c in customers) > len(customers) / 2


def test_fee_records_in_pages_of_100_equal_one_page_of_1000(bss: BssClient, month: str) -> None:
    customer_id = all_customers(bss)[0].customer_id
    total_small, small = fee_records(bss, month, customer_id, 100)
    total_big, big = fee_records(bss, month, customer_id, 1000)
    assert total_small == total_big == len(small) == len(big) > 100
    assert [r.id for r in small] == [r.id for r in big]
    assert len({r.id for r in big}) == len(big)
    for r in big:
        assert r.bill_cycle == month
        parts = (
            r.cash_amount
            + r.credit_amount
            + r.coupon_amount
            + r.flexipurchase_coupon_amount
            + r.stored_value_card_amount
            + r.debt_amount
            + r.writeoff_amount
        )
        assert parts == r.payment_amount
        assert r.official_amount - r.official_discount_amount == r.payment_amount
        assert isinstance(r.payment_amount, Decimal)


def test_closed_month_bill_equals_details_per_customer_and_charge_mode(bss: BssClient, month: str) -> None:
    details: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for customer in all_customers(bss):
        if customer.association_type != "2":
            continue
        _, records = fee_records(bss, month, customer.customer_id, 1000)
        for r in records:
            mode = "1" if r.charging_mode == 10 else str(r.charging_mode)  # RI under "1" (inferred)
            details[(r.customer_id, mode)] += r.payment_amount
    bills: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for mode in ("1", "3", "11"):
        offset, count = 0, -1
        while count < 0 or offset < count:
            page = bss.list_subcustomer_monthly_bills(
                ListSubcustomerMonthlyBillsRequest(cycle=month, charge_mode=mode, offset=offset, limit=100)
            )
            count = page.count
            offset += len(page.bill_sums)
            for s in page.bill_sums:
                assert s.charge_mode == mode
                arrears = (s.debt_amount or 0) + (s.adjustment_amount or 0)
                assert sum(d.amount for d in s.account_details) + arrears == s.amount
                if s.bill_type in ("1", "2"):
                    assert s.amount <= 0
                bills[(s.customer_id, s.charge_mode)] += s.amount
            if not page.bill_sums:
                break
    assert {k for k, v in details.items() if v} == set(bills)
    assert {k: details[k] for k in bills} == bills
    assert {mode for _, mode in bills} == {"1", "3", "11"}


def test_account_changes_follow_the_balance_chain_and_balances(
    bss: BssClient, sandbox: RunningSandbox
) -> None:
    last = sandbox.app.world.last_day
    begin = (last - timedelta(days=40)).isoformat()
    for balance_type, account_type in (("BALANCE_TYPE_DEBIT", 1), ("BALANCE_TYPE_CREDIT", 2)):
        records: list[object] = []
        total = -1
        while total < 0 or len(records) < total:
            page = bss.list_partner_account_change_records(
                ListPartnerAccountChangeRecordsRequest(
                    balance_type=balance_type,
                    trade_time_begin=begin,
                    trade_time_end=last.isoformat(),
                    offset=len(records),
                    limit=100,
                )
            )
            total = page.total_count
            records += page.records
        assert len(records) == total > 100
        for before, after in itertools.pairwise(records):
            sign = 1 if after.type == "1" else -1
            assert Decimal(before.balance_after_change) + sign * Decimal(after.change_amount) == Decimal(
                after.balance_after_change
            )
            assert (before.trade_time, before.account_change_id) < (after.trade_time, after.account_change_id)
        balances = bss.list_partner_balances(ListPartnerBalancesRequest()).account_balances
        by_type = {b.account_type: b.amount for b in balances}
        assert by_type[account_type] == pytest.approx(float(records[-1].balance_after_change), abs=1e-6)


def test_consumption_customers_and_orders(bss: BssClient, sandbox: RunningSandbox, month: str) -> None:
    consumers = bss.list_consume_sub_customers(
        ListConsumeSubCustomersRequest(body=ListConsumeSubCustomersReq(bill_cycle=month, offset=0, limit=100))
    )
    ids = {c.customer_id for c in consumers.sub_customers}
    assert consumers.total_count == len(ids) > 0
    for customer in all_customers(bss)[:6]:
        page = bss.list_sub_customer_bill_detail(
            ListSubCustomerBillDetailRequest(bill_cycle=month, customer_id=customer.customer_id, limit=1)
        )
        assert (page.total_count > 0) == (customer.customer_id in ids)
    orders: list[object] = []
    total = -1
    while total < 0 or len(orders) < total:
        page = bss.list_customer_orders(ListCustomerOrdersRequest(offset=len(orders), limit=100))
        total = page.total_count
        orders += page.order_infos
    assert len({o.order_id for o in orders}) == len(orders) == total
    assert {o.order_type for o in orders} <= {1, 2, 3, 4, 10}
    assert 4 in {o.order_type for o in orders}
    for o in orders:
        assert o.amount_after_discount <= o.official_amount
        if o.order_type == 4:
            assert o.amount_after_discount == o.official_amount
    created = [o.create_time for o in orders]
    assert created == sorted(created, reverse=True)


def test_wrong_sk_is_rejected_with_apig_0301(sandbox: RunningSandbox) -> None:
    bad = client_for(sandbox, sk="not-the-secret-key-0000000000000000")
    with pytest.raises(ClientRequestException) as caught:
        bad.list_partner_balances(ListPartnerBalancesRequest())
    assert caught.value.status_code == 401
    assert caught.value.error_code == "APIG.0301"
    assert caught.value.request_id
    assert "not-the-secret" not in caught.value.error_msg


def test_missing_required_parameter_is_cbc_0100(bss: BssClient, month: str) -> None:
    with pytest.raises(ClientRequestException) as caught:
        bss.list_subcustomer_monthly_bills(ListSubcustomerMonthlyBillsRequest(cycle=month, limit=10))
    assert (caught.value.status_code, caught.value.error_code) == (400, "CBC.0100")
    assert "charge_mode" in caught.value.error_msg
    with pytest.raises(ClientRequestException) as caught:
        bss.list_sub_customer_bill_detail(ListSubCustomerBillDetailRequest(bill_cycle=month))
    assert "customer_id" in caught.value.error_msg


@pytest.mark.parametrize(
    ("limit", "ok"), [(1000, True), (1001, False), (0, False)], ids=["max", "over", "zero"]
)
def test_fee_record_limit_bounds(bss: BssClient, month: str, limit: int, ok: bool) -> None:
    customer_id = all_customers(bss)[0].customer_id
    request = ListSubCustomerBillDetailRequest(bill_cycle=month, customer_id=customer_id, limit=limit)
    if ok:
        assert len(bss.list_sub_customer_bill_detail(request).fee_records) > 0
        return
    with pytest.raises(ClientRequestException) as caught:
        bss.list_sub_customer_bill_detail(request)
    assert caught.value.error_code == "CBC.0100"
    assert "limit" in caught.value.error_msg
