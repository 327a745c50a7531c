"""res-fee-records with only one of bill_date_begin / bill_date_end: the whole bill_cycle, as the real API
answers (spec §1.1 "send both or neither ... otherwise the whole cycle is returned"), not CBC.0100."""

from __future__ import annotations

from datetime import date, timedelta

from huaweicloudsdkbss.v2 import BssClient, ListSubCustomerBillDetailRequest
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from sandbox_http import CUSTOMERS, FEES, Signed, parse, sweep

from sandbox.server import RunningSandbox


def last_month(box: RunningSandbox) -> str:
    return f"{box.app.world.today.replace(day=1) - timedelta(days=1):%Y-%m}"


def a_customer(signed: Signed, box: RunningSandbox) -> str:
    customers = parse(signed(box, "POST", CUSTOMERS, body={"offset": 0, "limit": 100}).content)
    return str(customers["customer_infos"][0]["customer_id"])


def test_one_bill_date_alone_returns_the_whole_cycle(sandbox: RunningSandbox, signed: Signed) -> None:
    month = last_month(sandbox)
    customer = a_customer(signed, sandbox)
    whole = sweep(signed, sandbox, FEES, "fee_records", 1000, bill_cycle=month, customer_id=customer)
    second = f"{month}-02"
    one_day = sweep(signed, sandbox, FEES, "fee_records", 1000, bill_cycle=month, customer_id=customer,
                    bill_date_begin=second, bill_date_end=second)
    assert 0 < len(one_day) < len(whole)  # the dates do filter when both are sent
    for alone in ({"bill_date_begin": second}, {"bill_date_end": second}):
        response = signed(sandbox, "GET", FEES,
                          {"bill_cycle": month, "customer_id": customer, "limit": 1000, **alone})
        assert response.status_code == 200, response.text
        page = parse(response.content)
        assert page["total_count"] == len(whole)
        assert [r["id"] for r in page["fee_records"]] == [r["id"] for r in whole[:1000]]


def test_one_bill_date_alone_through_the_official_sdk(sandbox: RunningSandbox, signed: Signed) -> None:
    month = last_month(sandbox)
    customer = a_customer(signed, sandbox)
    credentials = GlobalCredentials(sandbox.ak, sandbox.sk, sandbox.domain_id)
    bss = BssClient.new_builder().with_credentials(credentials).with_endpoints([sandbox.url]).build()
    whole = bss.list_sub_customer_bill_detail(
        ListSubCustomerBillDetailRequest(bill_cycle=month, customer_id=customer, limit=1)
    ).total_count
    first_day = date.fromisoformat(f"{month}-01").isoformat()
    begin_only = bss.list_sub_customer_bill_detail(
        ListSubCustomerBillDetailRequest(bill_cycle=month, customer_id=customer, limit=1,
                                         bill_date_begin=first_day)
    )
    both = bss.list_sub_customer_bill_detail(
        ListSubCustomerBillDetailRequest(bill_cycle=month, customer_id=customer, limit=1,
                                         bill_date_begin=first_day, bill_date_end=first_day)
    )
    assert begin_only.total_count == whole > both.total_count
