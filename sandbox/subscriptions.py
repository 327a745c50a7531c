"""Yearly/monthly subscriptions by arithmetic alone: when their orders fall, what each costs, its order id."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sandbox.billing_calendar import add_months
from sandbox.draw import Draw
from sandbox.model import Q2, ZERO, Customer, Subscription

# bill_detail_type of an order (new 1, renewal 2, auto-renewal 8, unsubscribe 4) -> its order_type
ORDER_TYPE = {1: 1, 2: 2, 8: 2, 4: 4}


def period_events(sub: Subscription, begin: date, end: date) -> list[tuple[date, int]]:
    """(day, bill_detail_type) of a subscription's orders within [begin, end], by arithmetic alone."""
    events: list[tuple[date, int]] = []
    if begin <= sub.start <= end:
        events.append((sub.start, 1))
    k = 1
    while True:
        renewal = add_months(sub.start, k * sub.months)
        if renewal > end or (sub.unsubscribe is not None and renewal >= sub.unsubscribe):
            break
        if renewal >= begin:
            events.append((renewal, 8 if sub.auto_renew else 2))
        k += 1
    if sub.unsubscribe is not None and begin <= sub.unsubscribe <= end:
        events.append((sub.unsubscribe, 4))
    return events


def period_amounts(
    customer: Customer, sub: Subscription, day: date, kind: int
) -> tuple[Decimal, Decimal, Decimal]:
    """(official, discount, coupon) of one order; for an unsubscribe official is the negative refund."""
    official = sub.monthly_price * (10 if sub.months == 12 else 1)
    discount = (official * customer.discount_rate).quantize(Q2, rounding=ROUND_HALF_UP)
    coupon = min(sub.coupon, official - discount) if kind == 1 else ZERO
    if kind != 4:
        return official, discount, coupon
    previous = sub.start
    k = 1
    while add_months(sub.start, k * sub.months) < day:
        previous = add_months(sub.start, k * sub.months)
        k += 1
    following = add_months(previous, sub.months)
    paid = official - discount - (min(sub.coupon, official - discount) if previous == sub.start else ZERO)
    refund = (paid * Decimal((following - day).days) / Decimal((following - previous).days)).quantize(
        Q2, rounding=ROUND_HALF_UP
    )
    return -refund, ZERO, ZERO


def order_id(seed: int, sub: Subscription, day: date) -> str:
    return f"CS{day:%y%m%d}{Draw(seed, 'order-id', sub.key, day.isoformat()).hex(10).upper()}"
