"""The official huaweicloudsdkbss client, with `indirect_partner_id`, pages through a reseller's customers,
fee records, monthly bills, account changes, customer balances and partner balances in the sandbox."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from huaweicloudsdkbss.v2 import (
    BssClient,
    CustomerInfoV2,
    ListCustomersBalancesDetailRequest,
    ListPartnerAccountChangeRecordsRequest,
    ListPartnerBalancesRequest,
    ListSubCustomerBillDetailRequest,
    ListSubcustomerMonthlyBillsRequest,
    ListSubCustomersRequest,
    QueryCustomersBalancesReq,
    QuerySubCustomerListReq,
)
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from reseller_http import CURRENT, MONTH, bill_mode, distributor_config, truth

from sandbox.server import RunningSandbox, start_in_thread

PAGE = 3  # small pages, so every sweep below takes several calls


@pytest.fixture(scope="module")
def box() -> Iterator[RunningSandbox]:
    with start_in_thread(distributor_config()) as running:
        yield running


@pytest.fixture(scope="module")
def bss(box: RunningSandbox) -> BssClient:
    credentials = GlobalCredentials(box.ak, box.sk, box.domain_id)
    return BssClient.new_builder().with_credentials(credentials).with_endpoints([box.url]).build()


@pytest.fixture(scope="module")
def reseller(box: RunningSandbox) -> dict[str, Any]:
    """The first reseller's truth of MONTH: it holds two movers for part of the month."""
    held = truth(box, MONTH)["holders"][1]
    whole = [
        {"indirect_partner_id": held["indirect_partner_id"], "begin": f"{MONTH}-01", "end": f"{MONTH}-28"}
    ]
    assert sum(c["days"] != whole for c in held["customers"]) >= 2
    return dict(held)


def test_sdk_pages_a_resellers_customers_and_their_balances(
    bss: BssClient, box: RunningSandbox, reseller: dict[str, Any]
) -> None:
    rid = reseller["indirect_partner_id"]
    now = next(h for h in truth(box, CURRENT)["holders"] if h["indirect_partner_id"] == rid)
    customers: list[Any] = []
    while True:
        page = bss.list_sub_customers(
            ListSubCustomersRequest(
                body=QuerySubCustomerListReq(indirect_partner_id=rid, offset=len(customers), limit=PAGE)
            )
        )
        customers += page.customer_infos
        if len(page.customer_infos) < PAGE:
            break
    assert page.count == len(customers) > PAGE
    assert [c.customer_id for c in customers] == now["customers_now"]
    balances: dict[str, Decimal] = {}
    for offset in range(0, len(customers), PAGE):
        batch = [CustomerInfoV2(customer_id=c.customer_id) for c in customers[offset : offset + PAGE]]
        answer = bss.list_customers_balances_detail(
            ListCustomersBalancesDetailRequest(
                body=QueryCustomersBalancesReq(customer_infos=batch, indirect_partner_id=rid)
            )
        )
        balances |= {b.customer_id: b.amount for b in answer.customer_balances}
    assert balances == {k: Decimal(v) for k, v in now["customer_balances"].items()}
    assert {c.customer_id for c in customers if c.association_type == "2"} == set(balances)


def test_sdk_pages_a_resellers_fee_records_and_monthly_bills_and_they_tie(
    bss: BssClient, reseller: dict[str, Any]
) -> None:
    rid = reseller["indirect_partner_id"]
    details: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    ids: set[str] = set()
    for customer in reseller["customers"]:
        records: list[Any] = []
        total = -1
        while total < 0 or len(records) < total:
            page = bss.list_sub_customer_bill_detail(
                ListSubCustomerBillDetailRequest(
                    bill_cycle=MONTH,
                    customer_id=customer["customer_id"],
                    indirect_partner_id=rid,
                    offset=len(records),
                    limit=50,
                )
            )
            total = page.total_count
            records += page.fee_records
        assert len(records) == customer["fee_records"]
        assert sum((r.payment_amount for r in records), Decimal(0)) == Decimal(customer["payment_amount"])
        ids |= {r.id for r in records}
        if customer["association_type"] == "2":
            for r in records:
                details[(r.customer_id, bill_mode(r.charging_mode))] += r.payment_amount
    assert len(ids) == reseller["fee_records"]
    bills: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for mode in ("1", "3", "11"):
        offset, count = 0, -1
        while count < 0 or offset < count:
            page = bss.list_subcustomer_monthly_bills(
                ListSubcustomerMonthlyBillsRequest(
                    cycle=MONTH, charge_mode=mode, indirect_partner_id=rid, offset=offset, limit=PAGE
                )
            )
            count = page.count
            offset += len(page.bill_sums)
            for s in page.bill_sums:
                bills[(s.customer_id, s.charge_mode)] += s.amount
            if not page.bill_sums:
                break
    assert bills == {k: v for k, v in details.items() if v}
    assert len(bills) > 2


def test_sdk_pages_a_resellers_account_changes_to_its_balance(
    bss: BssClient, box: RunningSandbox, reseller: dict[str, Any]
) -> None:
    rid = reseller["indirect_partner_id"]
    last = box.app.world.last_day.isoformat()
    records: list[Any] = []
    total = -1
    while total < 0 or len(records) < total:
        page = bss.list_partner_account_change_records(
            ListPartnerAccountChangeRecordsRequest(
                balance_type="BALANCE_TYPE_DEBIT",
                trade_time_begin="2026-02-01",
                trade_time_end=last,
                indirect_partner_id=rid,
                offset=len(records),
                limit=PAGE * 5,
            )
        )
        total = page.total_count
        records += page.records
    assert len(records) == total > PAGE * 5
    for before, after in itertools.pairwise(records):
        sign = 1 if after.type == "1" else -1
        assert Decimal(before.balance_after_change) + sign * Decimal(after.change_amount) == Decimal(
            after.balance_after_change
        )
    assert "SOURCE_OPERATION_RECHARGE" in {r.trade_detail_type for r in records}
    own = bss.list_partner_balances(ListPartnerBalancesRequest(indirect_partner_id=rid)).account_balances
    distributor = bss.list_partner_balances(ListPartnerBalancesRequest()).account_balances
    cash = {b.account_type: b.amount for b in own}[1]
    assert cash == pytest.approx(float(records[-1].balance_after_change), abs=1e-6)
    assert cash != {b.account_type: b.amount for b in distributor}[1]


def test_sdk_sees_cbc_99000037_for_a_foreign_reseller(bss: BssClient) -> None:
    with pytest.raises(ClientRequestException) as caught:
        bss.list_partner_balances(ListPartnerBalancesRequest(indirect_partner_id="f" * 32))
    assert (caught.value.status_code, caught.value.error_code) == (400, "CBC.99000037")
