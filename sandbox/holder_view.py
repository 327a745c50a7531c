"""What one holder (the distributor, or a reseller by `indirect_partner_id`) is served of a customer's
cycle: the records of the days it held the customer (spec §1.1), less the scenario's hidden record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sandbox import reseller_scenarios
from sandbox.billing_calendar import beijing_moment, utc_text
from sandbox.model import Customer, FeeRecord

if TYPE_CHECKING:
    from sandbox.world import World


def holder_records(
    world: World, customer: Customer, holder: str | None, cycle: str
) -> tuple[list[FeeRecord], bool]:
    """(served records of the holder's days, whether that is the customer's whole served cycle)."""
    stints = world.population.associations.days_of(customer, holder, cycle)
    if not stints:
        return [], False
    served = world.served_records(customer, cycle)
    hidden = reseller_scenarios.hidden_id(world.reseller_picks, holder, cycle)
    if len(stints) == 1 and stints[0].begin.day == 1 and stints[0].end.day == 1 and not hidden:
        return served, True
    return [
        r for r in served if any(s.begin <= r.bill_date < s.end for s in stints) and r.id != hidden
    ], False


def associated_on(world: World, customer: Customer) -> datetime:
    """When the current holder got the customer: a mover's current stint starts 00:00 Beijing that day."""
    since = world.population.associations.held_since(customer, world.last_day)
    return customer.associated_on if since is None else beijing_moment(since, 0, 0, 0)


def customer_json(world: World, customer: Customer) -> dict[str, object]:
    """The customer as sub-customers/query lists it today (a mover with its current association time)."""
    return customer.to_json() | {"associated_on": utc_text(associated_on(world, customer))}
