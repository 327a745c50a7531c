"""Coupons the partner issued to its customers (promotions: partner-coupons) and their issue records.

A coupon is issued three days before the order it pays for and its `order_id` names that order, so a coupon's
used amount (face value - balance) equals the `coupon_amount` of the fee records of that order: the
subscriptions' new orders and the savings-plan purchases of sandbox.money_variety.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox.billing_calendar import beijing_moment, month_of, month_start, shift_cycle, utc_text
from sandbox.draw import Draw
from sandbox.model import ZERO, Customer, WorldConfig
from sandbox.money_variety import plan
from sandbox.population import Population
from sandbox.scenarios import ScenarioPicks
from sandbox.subscriptions import order_id, period_amounts, period_events

FACE_VALUE = Decimal("100.00")


def _used_by_order(config: WorldConfig, customer: Customer, end: date) -> list[tuple[date, str, Decimal]]:
    """(order day, order id, coupon amount) of the customer's coupon-paid orders up to `end`."""
    out = []
    for sub in customer.subscriptions:
        for day, kind in period_events(sub, config.first_day, end):
            if kind == 1:
                coupon = period_amounts(customer, sub, day, kind)[2]
                if coupon:
                    out.append((day, order_id(config.seed, sub, day), coupon))
    cycle = month_of(config.first_day)
    while month_start(cycle) <= end:
        for money in plan(config.seed, customer, cycle, config.first_day):
            if money.coupon and money.order_type and money.day <= end:
                out.append((money.day, money.trade_id, money.coupon))
        cycle = shift_cycle(cycle, 1)
    return sorted(out)


class PartnerCoupons:
    """Issued coupons and issue records per (holder, clock day), cached."""

    def __init__(
        self, config: WorldConfig, population: Population, picks: ScenarioPicks | None = None
    ) -> None:
        self._config = config
        self._population = population
        self._picks = picks
        self._cache: dict[
            tuple[str | None, date], tuple[list[dict[str, object]], list[dict[str, object]]]
        ] = {}

    def _build(
        self, holder: str | None, last_day: date
    ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        cached = self._cache.get((holder, last_day))
        if cached is not None:
            return cached
        coupons: list[tuple[datetime, dict[str, object]]] = []
        records: list[tuple[datetime, dict[str, object]]] = []
        quota_id = f"QT{Draw(self._config.seed, 'coupon-quota', holder or '').hex(16).upper()}"
        for customer in self._population.customers:
            # orders up to 3 days after the clock: their coupons are already issued; a coupon belongs to the
            # holder of its order's day (a customer may change hands during a month)
            for day, order, used in _used_by_order(self._config, customer, last_day + timedelta(days=3)):
                if self._population.holder_on(customer, day) != holder:
                    continue
                issued = beijing_moment(day - timedelta(days=3), 9, 0, customer.index % 60)
                coupon_id = f"CP{Draw(self._config.seed, 'coupon', order).hex(18).upper()}"
                paid = day <= last_day
                balance = FACE_VALUE - used if paid else FACE_VALUE
                if paid and self._picks and order == self._picks.coupon_gap_order:
                    balance -= self._picks.coupon_gap
                coupons.append(
                    (
                        issued,
                        {
                            "coupon_id": coupon_id,
                            "status": 3 if balance == ZERO else 2,
                            "customer_id": customer.customer_id,
                            "coupon_type": 1,
                            "measure_id": 1,
                            "face_value": FACE_VALUE,
                            "effective_time": utc_text(issued),
                            "expire_time": utc_text(issued + timedelta(days=365)),
                            "order_id": order,
                            "promotion_plan_id": quota_id,
                            "promotion_plan_name": "伙伴代金券",
                            "promotion_plan_desc": "",
                            "media_type": 1,
                            "fetch_method": 3,
                            "use_limits": [],
                            "active_time": utc_text(issued),
                            "last_used_time": utc_text(beijing_moment(day, 0, 0, 0)) if paid else None,
                            "promotion_id": "",
                            "create_time": utc_text(issued),
                            "balance": balance,
                            "lock_order_id": "",
                            "is_frozen": "0",
                        },
                    )
                )
                records.append(
                    (
                        issued,
                        {
                            "id": f"CR{Draw(self._config.seed, 'coupon-record', order).hex(18).upper()}",
                            "operation_type": "1",
                            "quota_id": quota_id,
                            "quota_type": 0,
                            "coupon_id": coupon_id,
                            "customer_id": customer.customer_id,
                            "operation_amount": FACE_VALUE,
                            "operation_time": utc_text(issued),
                            "result": "0",
                            "remark": "",
                        },
                    )
                )
        visible_until = datetime.combine(last_day + timedelta(days=1), datetime.min.time()) - timedelta(
            hours=8
        )
        built = (
            [
                c
                for t, c in sorted(coupons, key=lambda x: (x[0], str(x[1]["coupon_id"])))
                if t < visible_until
            ],
            [r for t, r in sorted(records, key=lambda x: (x[0], str(x[1]["id"]))) if t < visible_until],
        )
        self._cache[(holder, last_day)] = built
        return built

    def coupons(self, holder: str | None, last_day: date) -> list[dict[str, object]]:
        return self._build(holder, last_day)[0]

    def records(self, holder: str | None, last_day: date) -> list[dict[str, object]]:
        return self._build(holder, last_day)[1]
