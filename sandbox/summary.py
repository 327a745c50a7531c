"""The /_sandbox/world summary: who exists, which days are served, the plan table and the catalog codes."""

from __future__ import annotations

from datetime import date

from sandbox import catalog as cat
from sandbox.billing_calendar import utc_text
from sandbox.incentives import plan_table
from sandbox.model import WorldConfig
from sandbox.population import Population


def describe(config: WorldConfig, today: date, last_day: date, population: Population) -> dict[str, object]:
    """The /_sandbox/world summary: who exists (a mover under its holder of the last served day, and how it
    moves), which days are served, the plan table."""
    return {
        "seed": config.seed,
        "domain_id": config.domain_id,
        "first_day": config.first_day.isoformat(),
        "today": today.isoformat(),
        "last_day": last_day.isoformat(),
        "records_per_day": config.records_per_day,
        "late_share": config.late_share,
        "customers": [
            {
                "customer_id": c.customer_id,
                "account_name": c.account_name,
                "customer": c.name,
                "association_type": c.association_type,
                "indirect_partner_id": population.holder_on(c, last_day),
                "funding": c.funding,
                "associated_on": utc_text(c.associated_on),
            }
            for c in population.customers
        ],
        "resellers": [r.to_json() for r in population.resellers],
        "movers": [
            {
                "customer_id": m.customer_id,
                "indirect_partner_ids": list(m.holders),
                "move_day": m.day,
                "history": [
                    s.to_json() for s in population.associations.history(c, config.first_day, last_day)
                ],
            }
            for c in population.customers
            if (m := population.associations.mover(c)) is not None
        ],
        "plans": plan_table(),
        "policies": [
            {
                "service_type_code": s.code,
                "incentive_policy": s.incentive_policy,
                "charging_mode": s.charging_mode,
            }
            for s in cat.SERVICES
        ],
        "trade_detail_types": cat.TRADE_TYPE_OF,
        "target_balances": {k: format(v, "f") for k, v in cat.TARGET_BALANCE.items()},
    }
