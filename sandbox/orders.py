"""Customer orders (API 1.6) as the holder's customers placed them: one per subscription event, built from
the same arithmetic as the period fee records."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sandbox.billing_calendar import beijing_moment, utc_text
from sandbox.model import ZERO, WorldConfig
from sandbox.population import Population
from sandbox.subscriptions import ORDER_TYPE, order_id, period_amounts, period_events


class Orders:
    """Visible customer orders per (holder, clock day), cached."""

    def __init__(self, config: WorldConfig, population: Population) -> None:
        self._config = config
        self._population = population
        self._orders: dict[tuple[str | None, date], list[dict[str, object]]] = {}

    def orders(self, holder: str | None, today: date) -> list[dict[str, object]]:
        """Visible customer orders (1.6) of the holder's customers, oldest first; cached per clock day."""
        cached = self._orders.get((holder, today))
        if cached is not None:
            return cached
        out: list[tuple[datetime, dict[str, object]]] = []
        end = today - timedelta(days=1)
        for customer in self._population.customers_of(holder):
            for sub in customer.subscriptions:
                for day, kind in period_events(sub, self._config.first_day, end):
                    official, discount, coupon = period_amounts(customer, sub, day, kind)
                    moment = beijing_moment(day, sub.hour, (customer.index * 7 + 1) % 60, customer.index % 60)
                    order_type = ORDER_TYPE[kind]
                    amount_info: dict[str, object] = {
                        "discounts": [{"discount_type": "700", "discount_amount": discount}]
                        if discount
                        else [],
                        "coupon_amount": coupon,
                        "flexipurchase_coupon_amount": ZERO,
                        "stored_card_amount": ZERO,
                    }
                    if kind == 4:
                        amount_info |= {"commission_amount": ZERO, "consumed_amount": ZERO}
                    out.append(
                        (
                            moment,
                            {
                                "order_id": order_id(self._config.seed, sub, day),
                                "customer_id": customer.customer_id,
                                "service_type_code": sub.resource.service.code,
                                "service_type_name": sub.resource.service.name,
                                "source_type": 1,
                                "status": 5,
                                "order_type": order_type,
                                "amount_after_discount": abs(official - discount),
                                "official_amount": abs(official),
                                "measure_id": 1,
                                "create_time": utc_text(moment - timedelta(minutes=2)),
                                "payment_time": utc_text(moment),
                                "currency": "CNY",
                                "contract_id": "",
                                "amount_info": amount_info,
                                "enterprise_projects": [{"id": "0", "name": "default"}],
                                "sub_order_infos": [],
                                "agent_pay_info": {
                                    "paying_agent_id": customer.holder or self._config.domain_id,
                                    "is_agent_pay": customer.association_type == "2",
                                },
                            },
                        )
                    )
        out.sort(key=lambda item: (item[0], str(item[1]["order_id"])))
        orders = [order for _, order in out]
        self._orders[(holder, today)] = orders
        return orders
