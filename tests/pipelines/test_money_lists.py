"""A real `money_lists_job` materialization against a sandbox: coupons issued to customers and their records,
customer orders with their discounts, refund orders and measurement units land whole, to the cent, and a
rerun changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from pbw_harness import Harness

from pipelines.partitions import range_tags
from sandbox.config import SandboxConfig
from sandbox.server import start_in_thread

TODAY = date(2026, 3, 20)
DAYS = ("2026-02-01", "2026-03-19")
TABLES = (
    "billing.partner_coupons",
    "billing.partner_coupon_records",
    "billing.customer_orders",
    "billing.refund_orders",
    "billing.measure_units",
)

pytestmark = pytest.mark.xdist_group("money_lists")  # both tests on one worker: `loaded` is built once


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    with start_in_thread(SandboxConfig(customers=5, today=TODAY, rate_limit=None, seed=3)) as box:
        harness = Harness(box, tmp_path_factory.mktemp("lists"), today=TODAY.isoformat())
        job = harness.definitions().resolve_job_def("money_lists_job")
        assert job.execute_in_process(instance=harness.instance, tags=range_tags(*DAYS)).success
        yield harness


def test_every_list_lands_whole_to_the_cent(loaded: Harness) -> None:
    world = loaded.box.app.world
    coupons = world.partner_coupons(None)
    assert loaded.query("SELECT count(*), sum(face_value), sum(balance) FROM billing.partner_coupons") == [
        (len(coupons), sum(c["face_value"] for c in coupons), sum(c["balance"] for c in coupons))  # type: ignore[misc]
    ]
    records = world.coupon_records(None)
    assert loaded.query("SELECT count(*), sum(operation_amount) FROM billing.partner_coupon_records") == [
        (len(records), sum(r["operation_amount"] for r in records))  # type: ignore[misc]
    ]
    orders = world.orders(None)
    assert loaded.query("SELECT count(*), sum(amount_after_discount) FROM billing.customer_orders") == [
        (len(orders), sum(Decimal(o["amount_after_discount"]) for o in orders))  # type: ignore[arg-type]
    ]
    discounts: dict[str, Decimal] = {}
    for o in orders:
        for d in o["amount_info"]["discounts"]:  # type: ignore[index]
            discounts[d["discount_type"]] = (
                discounts.get(d["discount_type"], Decimal(0)) + d["discount_amount"]
            )
    rows = loaded.query(
        "SELECT discount_type, sum(discount_amount) FROM billing.customer_order_discounts GROUP BY 1"
    )
    assert dict(rows) == discounts
    assert set(discounts) == {"700", "607"}
    # refund orders are asked for the orders paid in the run's Beijing days 2026-02-01..2026-03-19
    window = ("2026-01-31T16:00:00Z", "2026-03-19T16:00:00Z")
    paid = sorted(str(o["order_id"]) for o in orders if window[0] <= str(o["payment_time"]) < window[1])
    refunds = [info for order_id in paid for info in world.refund_infos(order_id, None)]
    assert len(refunds) > 3
    assert loaded.query("SELECT count(*), sum(amount) FROM billing.refund_orders") == [
        (len(refunds), sum(Decimal(i["amount"]) for i in refunds))  # type: ignore[arg-type]
    ]
    assert loaded.query("SELECT measure_name FROM billing.measure_units WHERE measure_id = 4") == [("小时",)]
    assert loaded.query("SELECT count(*) FROM audit.quarantine") == [(0,)]


def test_rerun_changes_nothing(loaded: Harness) -> None:
    def snapshot() -> list[list[tuple[object, ...]]]:
        return [loaded.query(f"SELECT * EXCLUDE (load_id) FROM {t} ORDER BY ALL") for t in TABLES]

    before = snapshot()
    job = loaded.definitions().resolve_job_def("money_lists_job")
    assert job.execute_in_process(instance=loaded.instance, tags=range_tags(*DAYS)).success
    assert snapshot() == before
