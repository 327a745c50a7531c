"""The reconciliation scenario's breaks in the lists that explain money (R8-R10): one coupon whose used amount
exceeds the deductions of the order it paid, one refund order that answers more than its refund records,
and one reserved-instance or savings-plan order whose amount differs from its fees."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sandbox.model import ZERO, Customer, FeeRecord
from sandbox.scenarios import Finding, ScenarioPicks

Records = Callable[[Customer, str], list[FeeRecord]]
REFUND_KINDS = (4, 20, 24)


def money_breaks(picks: ScenarioPicks, customers: list[Customer], records: Records) -> list[Finding]:
    """Pick the three orders (first of the month among the direct customers) and return their findings."""
    month = picks.month
    served = [r for c in customers for r in records(c, month) if not r.hidden]
    served.sort(key=lambda r: (r.trade_time, r.id))

    def total(order: str, value: Callable[[FeeRecord], Decimal]) -> Decimal:
        return sum((value(r) for r in served if r.trade_id == order), ZERO)

    couponed = next(r for r in served if r.coupon > 0 and r.trade_id.startswith("CS"))
    refund = next(r for r in served if r.bill_detail_type in REFUND_KINDS)
    reserved = next(r for r in served if r.charging_mode in (10, 11) and r.bill_detail_type in (1, 103))
    picks.coupon_gap_order = couponed.trade_id
    picks.refund_gap_order = refund.trade_id
    picks.reserved_gap_order = reserved.trade_id
    deducted = total(couponed.trade_id, lambda r: r.coupon)
    refunded = total(refund.trade_id, lambda r: -r.payment)
    fees = total(reserved.trade_id, lambda r: r.payment)
    return [
        Finding(
            "R8",
            "coupon_vs_deductions",
            {"cycle": month, "order_id": couponed.trade_id},
            deducted,
            deducted + picks.coupon_gap,
            f"the coupon issued for order {couponed.trade_id} shows {picks.coupon_gap} more used than the "
            "coupon deductions of its fee records",
        ),
        Finding(
            "R9",
            "refund_records_vs_refund_orders",
            {"cycle": month, "order_id": refund.trade_id},
            refunded,
            refunded + picks.refund_gap,
            f"refund order {refund.trade_id} answers {picks.refund_gap} more than its refund records",
        ),
        Finding(
            "R10",
            "reserved_fees_vs_orders",
            {"cycle": month, "order_id": reserved.trade_id},
            fees,
            fees + picks.reserved_gap,
            f"order {reserved.trade_id} (charging mode {reserved.charging_mode}) costs {picks.reserved_gap} "
            "more than its fee records",
        ),
    ]
