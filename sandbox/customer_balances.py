"""Resale customers' own balances (spec §1.9 batch-query): what their holders allocated to them.

A resale customer's consumption is paid from its holder's account, so the only money in its own account is
what the distributor or a reseller allocated to it (SOURCE_OPERATION_BEADJUST, the adjust records), summed
up to the clock's last day; debt is 0. Kept per clock day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sandbox.billing_calendar import BEIJING_OFFSET, month_start, shift_cycle
from sandbox.model import ZERO, Pending, WorldConfig
from sandbox.population import Population

Allocation = Callable[[str | None, str], Pending | None]


class CustomerBalances:
    """Σ allocations received per customer id, as of a Beijing day (cached for the last day asked)."""

    def __init__(self, config: WorldConfig, population: Population, allocation: Allocation) -> None:
        self._config = config
        self._population = population
        self._allocation = allocation
        self._day: date | None = None
        self._balances: dict[str, Decimal] = {}

    def balances(self, last_day: date) -> dict[str, Decimal]:
        if self._day == last_day:
            return self._balances
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        holders = [None, *(r.indirect_partner_id for r in self._population.resellers)]
        cycle = f"{self._config.first_day:%Y-%m}"
        while month_start(cycle) <= last_day:
            for holder in holders:
                item = self._allocation(holder, cycle)
                if item is not None and (item.trade_time + BEIJING_OFFSET).date() <= last_day:
                    out[item.customer_id] += item.amount
            cycle = shift_cycle(cycle, 1)
        self._day, self._balances = last_day, dict(out)
        return self._balances

    def balance(self, customer_id: str, last_day: date) -> Decimal:
        return self.balances(last_day).get(customer_id, ZERO)
