"""Refund orders (customer-orders/refund-orders): what each unsubscribe, downgrade or switch to on-demand
order paid back, per resource; the amount equals the negative fee record of that order."""

from __future__ import annotations

from datetime import date

from sandbox.billing_calendar import month_of, month_start, shift_cycle
from sandbox.model import Customer, Resource, WorldConfig
from sandbox.money_variety import plan
from sandbox.population import Population
from sandbox.scenarios import ScenarioPicks
from sandbox.subscriptions import order_id, period_amounts, period_events

REFUND_ORDER_TYPES = frozenset({3, 4, 10})


def _info(refund_id: str, amount: object, customer: Customer, res: Resource, base: str) -> dict[str, object]:
    return {
        "id": refund_id,
        "amount": amount,
        "measure_id": "1",
        "customer_id": customer.customer_id,
        "resource_type_code": res.resource_type.code,
        "service_type_code": res.service.code,
        "resource_type_name": res.resource_type.name,
        "service_type_name": res.service.name,
        "region_code": res.region[0],
        "base_order_id": base,
    }


class Refunds:
    """Refund infos per refund order id, up to a clock day (cached per day)."""

    def __init__(
        self, config: WorldConfig, population: Population, picks: ScenarioPicks | None = None
    ) -> None:
        self._config = config
        self._population = population
        self._picks = picks
        self._cache: dict[date, dict[str, tuple[str | None, list[dict[str, object]]]]] = {}

    def by_order(self, last_day: date) -> dict[str, tuple[str | None, list[dict[str, object]]]]:
        """refund order id -> (holder on the refund's day, refund infos) of every refund by `last_day`."""
        cached = self._cache.get(last_day)
        if cached is not None:
            return cached
        seed, first = self._config.seed, self._config.first_day
        out: dict[str, tuple[str | None, list[dict[str, object]]]] = {}
        for customer in self._population.customers:
            for sub in customer.subscriptions:
                for day, kind in period_events(sub, first, last_day):
                    if kind == 4:
                        refund = -period_amounts(customer, sub, day, kind)[0]
                        oid = order_id(seed, sub, day)
                        base = order_id(seed, sub, sub.start)
                        out[oid] = (
                            self._population.holder_on(customer, day),
                            [_info(f"RF{oid}", refund, customer, sub.resource, base)],
                        )
            cycle = month_of(first)
            while month_start(cycle) <= last_day:
                events = plan(seed, customer, cycle, first)
                base = next((m.trade_id for m in events if m.key == "change"), "")
                for money in events:
                    if money.order_type in REFUND_ORDER_TYPES and money.payment < 0 and money.day <= last_day:
                        info = _info(f"RF{money.trade_id}", -money.payment, customer, money.resource, base)
                        out[money.trade_id] = (self._population.holder_on(customer, money.day), [info])
                cycle = shift_cycle(cycle, 1)
        picks = self._picks
        if picks and picks.refund_gap_order in out:
            info = out[picks.refund_gap_order][1][0]
            info["amount"] = info["amount"] + picks.refund_gap  # type: ignore[operator]
        self._cache[last_day] = out
        return out
