"""Who holds a customer on a given day: the distributor itself (None) or one of its resellers.

Most customers stay with one holder for ever (`Customer.holder`). Movers change hands once a month, on a
fixed day, cycling through a fixed sequence of holders, so every month of the world has a customer that
moves mid-month (between the distributor and a reseller, and between two resellers). A reseller's view
of a mover (fee records, monthly-sum, orders, customer lists) covers only the days it held the customer
(spec §1.1); every date here is a Beijing date, a stint starts on its first day and ends before `end`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sandbox.billing_calendar import month_end, month_start, shift_cycle
from sandbox.model import Customer, FeeRecord, Reseller

# A customer's cycle cut per holder: (the customer as that holder's, the records of its days).
Pieces = Callable[[Customer, list[FeeRecord], str], list[tuple[Customer, list[FeeRecord]]]]


@dataclass(frozen=True, slots=True)
class Mover:
    """A customer that moves on `day` of every month from `holders[k % n]` to `holders[(k + 1) % n]`,
    k counting months from the world's first month."""

    customer_id: str
    holders: tuple[str | None, ...]
    day: int


@dataclass(frozen=True, slots=True)
class Stint:
    """Days [begin, end) of one holder's association with a customer (Beijing dates)."""

    holder: str | None
    begin: date
    end: date

    def to_json(self) -> dict[str, object]:
        return {
            "indirect_partner_id": self.holder,
            "begin": self.begin.isoformat(),
            "end": (self.end - timedelta(days=1)).isoformat(),
        }


def mover_sequences(resellers: list[Reseller], movers: int) -> list[tuple[tuple[str | None, ...], int]]:
    """(holder sequence, move day) of each mover: distributor <-> first reseller, first <-> second
    reseller, then a tour of the distributor and every reseller; at most `movers` of them."""
    ids: list[str | None] = [r.indirect_partner_id for r in resellers]
    plans: list[tuple[tuple[str | None, ...], int]] = []
    if ids:
        plans.append(((None, ids[0]), 10))
    if len(ids) >= 2:
        plans.append(((ids[0], ids[1]), 15))
    if len(ids) >= 3:
        plans.append(((None, *ids), 20))
    return plans[:movers]


class Associations:
    """The association history of every customer, answered by day or by cycle."""

    def __init__(self, first_day: date, movers: list[Mover]) -> None:
        self._first_month = (first_day.year, first_day.month)
        self._movers = {m.customer_id: m for m in movers}

    def mover(self, customer: Customer) -> Mover | None:
        return self._movers.get(customer.customer_id)

    def is_mover(self, customer: Customer) -> bool:
        return customer.customer_id in self._movers

    def holder_on(self, customer: Customer, day: date) -> str | None:
        """The customer's holder on a Beijing day."""
        mover = self._movers.get(customer.customer_id)
        if mover is None:
            return customer.holder
        k = (day.year - self._first_month[0]) * 12 + day.month - self._first_month[1]
        if k < 0:
            return mover.holders[0]
        n = len(mover.holders)
        return mover.holders[(k + 1) % n] if day.day >= mover.day else mover.holders[k % n]

    def stints(self, customer: Customer, cycle: str) -> list[Stint]:
        """The holders of a customer over one cycle, in day order (one stint for most customers)."""
        first, last = month_start(cycle), month_end(cycle)
        mover = self._movers.get(customer.customer_id)
        if mover is None or mover.day > last.day:
            return [Stint(self.holder_on(customer, first), first, last + timedelta(days=1))]
        move = first.replace(day=mover.day)
        return [
            Stint(self.holder_on(customer, first), first, move),
            Stint(self.holder_on(customer, move), move, last + timedelta(days=1)),
        ]

    def days_of(self, customer: Customer, holder: str | None, cycle: str) -> list[Stint]:
        """The stints of `holder` with the customer in a cycle (empty: never held it that month)."""
        return [s for s in self.stints(customer, cycle) if s.holder == holder]

    def held_since(self, customer: Customer, day: date) -> date | None:
        """The first day of a mover's current stint on `day` (a month's first stint carries on from the
        previous month's move); None for a customer that never moves."""
        mover = self._movers.get(customer.customer_id)
        if mover is None:
            return None
        move = day.replace(day=mover.day)
        if day >= move:
            return move
        return month_start(shift_cycle(f"{day:%Y-%m}", -1)).replace(day=mover.day)

    def history(self, customer: Customer, first: date, last: date) -> list[Stint]:
        """A mover's stints from `first` to `last` (Beijing days, the last stint cut at `last`)."""
        out: list[Stint] = []
        cycle = f"{first:%Y-%m}"
        while month_start(cycle) <= last:
            for stint in self.stints(customer, cycle):
                begin, end = max(stint.begin, first), min(stint.end, last + timedelta(days=1))
                if begin >= end:
                    continue
                if out and out[-1].holder == stint.holder and out[-1].end == begin:
                    out[-1] = Stint(stint.holder, out[-1].begin, end)
                else:
                    out.append(Stint(stint.holder, begin, end))
            cycle = shift_cycle(cycle, 1)
        return out

    def pieces(
        self, customer: Customer, records: list[FeeRecord], cycle: str
    ) -> list[tuple[Customer, list[FeeRecord]]]:
        """A customer's cycle cut per holder: (the customer with that `holder`, the records of its days)."""
        if customer.customer_id not in self._movers:
            return [(customer, records)]
        return [
            (replace(customer, holder=s.holder), [r for r in records if s.begin <= r.bill_date < s.end])
            for s in self.stints(customer, cycle)
        ]
