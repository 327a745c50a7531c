"""The official SDK pages through the coupons issued to customers and their records, asks for refund orders
and lists measurement units; each answer agrees with the fee records it explains."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from huaweicloudsdkbss.v2 import (
    BssClient,
    ListCustomerOrdersRequest,
    ListIssuedPartnerCouponsRequest,
    ListMeasureUnitsRequest,
    ListPartnerCouponsRecordRequest,
    ListSubCustomerBillDetailRequest,
    ShowRefundOrderDetailsRequest,
)
from huaweicloudsdkcore.auth.credentials import GlobalCredentials

from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox, start_in_thread

MONTH = "2026-02"


@pytest.fixture(scope="module")
def box() -> Iterator[RunningSandbox]:
    with start_in_thread(
        SandboxConfig(seed=5, today=date(2026, 3, 20), rate_limit=None, customers=6)
    ) as running:
        yield running


@pytest.fixture(scope="module")
def bss(box: RunningSandbox) -> BssClient:
    credentials = GlobalCredentials(box.ak, box.sk, box.domain_id)
    return BssClient.new_builder().with_credentials(credentials).with_endpoints([box.url]).build()


@pytest.fixture(scope="module")
def month_records(bss: BssClient, box: RunningSandbox) -> list[object]:
    out: list[object] = []
    for customer in box.app.world.customers_of(None):
        request = ListSubCustomerBillDetailRequest(
            bill_cycle=MONTH, customer_id=customer.customer_id, limit=1000
        )
        out += bss.list_sub_customer_bill_detail(request).fee_records
    return out


def test_issued_coupons_pages_and_used_amounts_equal_the_coupon_deductions(
    bss: BssClient, month_records: list[object]
) -> None:
    coupons: list[object] = []
    total = -1
    while total < 0 or len(coupons) < total:
        page = bss.list_issued_partner_coupons(ListIssuedPartnerCouponsRequest(offset=len(coupons), limit=7))
        total = page.total_count
        coupons += page.user_coupons
    assert total > 7
    assert len({c.coupon_id for c in coupons}) == total
    deducted: dict[str, Decimal] = defaultdict(Decimal)
    for r in month_records:
        if r.coupon_amount:
            deducted[r.trade_id] += r.coupon_amount
    in_month = {c.order_id: c for c in coupons if c.order_id in deducted}
    assert set(in_month) == set(deducted)
    for order_id, coupon in in_month.items():
        assert isinstance(coupon.balance, Decimal)
        assert coupon.face_value - coupon.balance == deducted[order_id]
    records: list[object] = []
    count = -1
    while count < 0 or len(records) < count:
        request = ListPartnerCouponsRecordRequest(operation_types=["1"], offset=len(records), limit=7)
        answer = bss.list_partner_coupons_record(request)
        count = answer.total_count
        records += answer.records
    assert sorted(r.coupon_id for r in records) == sorted(c.coupon_id for c in coupons)
    assert {r.operation_amount for r in records} == {c.face_value for c in coupons}


def test_refund_orders_equal_their_refund_records(bss: BssClient, month_records: list[object]) -> None:
    refunded: dict[str, Decimal] = defaultdict(Decimal)
    for r in month_records:
        if r.bill_detail_type in (4, 20, 24):
            refunded[r.trade_id] -= r.payment_amount
    assert len(refunded) >= 3
    orders: list[object] = []
    total = -1
    while total < 0 or len(orders) < total:
        page = bss.list_customer_orders(
            ListCustomerOrdersRequest(
                payment_time_begin=f"{MONTH}-01T00:00:00Z",
                payment_time_end="2026-03-01T00:00:00Z",
                offset=len(orders),
                limit=10,
            )
        )
        total = page.total_count
        orders += page.order_infos
    answered: dict[str, Decimal] = {}
    for order in orders:
        if order.order_type in (3, 4, 10):
            infos = bss.show_refund_order_details(ShowRefundOrderDetailsRequest(order_id=order.order_id))
            if infos.total_count:
                answered[order.order_id] = sum((i.amount for i in infos.refund_infos), Decimal(0))
                assert all(i.base_order_id for i in infos.refund_infos)
    assert {k: v for k, v in answered.items() if k in refunded} == dict(refunded)


def test_measurement_units_name_every_unit_the_fee_records_use(
    bss: BssClient, month_records: list[object]
) -> None:
    units = bss.list_measure_units(ListMeasureUnitsRequest(x_language="en_US")).measure_units
    by_id = {u.measure_id: u for u in units}
    used = {r.usage_measure_id for r in month_records if r.usage_measure_id}
    assert used <= set(by_id)
    assert (by_id[1].measure_type, by_id[4].measure_name) == (1, "Hour")
