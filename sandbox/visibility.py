"""A cycle as seen on one clock day: monthly-sum rows per (holder, charge mode) and the direct customers
with visible consumption, from one pass over every customer's records (kept per clock day)."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sandbox.associations import Pieces
from sandbox.model import ZERO, Customer, FeeRecord
from sandbox.record_cache import KEPT_VIEWS
from sandbox.scenarios import ScenarioPicks

SumKey = tuple[str, str, str, str]  # (customer id, service, resource type, bill type)


@dataclass(slots=True)
class VisibleCycle:
    """A cycle as seen on one clock day: monthly sums per (holder, charge mode), consuming customers."""

    sums: dict[tuple[str | None, int], list[dict[str, object]]]
    consuming: list[str]
    consuming_of: dict[str | None, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class _SumGroup:
    """One monthly-sum row being added up: its first record (names), amounts, amounts per balance type."""

    rec: FeeRecord
    amount: Decimal = ZERO
    discount: Decimal = ZERO
    details: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))


def sum_rows(groups: dict[SumKey, _SumGroup], charge_mode: int) -> list[dict[str, object]]:
    """monthly-sum rows of one holder and charge mode, sorted by (customer, service, type, bill type)."""
    out = []
    for key in sorted(groups):
        group = groups[key]
        rec = group.rec
        row: dict[str, object] = {
            "customer_id": key[0],
            "cloud_service_type": rec.service.code,
            "cloud_service_type_name": rec.service.name,
            "resource_type_code": rec.resource_type.code,
            "resource_type_name": rec.resource_type.name,
            "bill_type": key[3],
            "charge_mode": str(charge_mode),
            "amount": group.amount,
            "measure_id": 1,
        }
        if key[3] == "0":
            row |= {"debt_amount": ZERO, "adjustment_amount": ZERO, "discount_amount": group.discount}
        row["account_details"] = [
            {"balance_type": bt, "amount": amount, "bill_type": key[3]}
            for bt, amount in sorted(group.details.items())
            if amount
        ]
        out.append(row)
    return out


Groups = dict[tuple[str | None, int], dict[SumKey, _SumGroup]]


class VisibleViews:
    """Monthly sums and consuming customers per cycle and clock day; the R1 bill delta added when picked."""

    def __init__(
        self,
        customers: list[Customer],
        records: Callable[[Customer, str], list[FeeRecord]],
        picks: ScenarioPicks | None,
        pieces: Pieces = lambda customer, records, cycle: [(customer, records)],
        adjust: Callable[[str, Groups], None] = lambda cycle, groups: None,
    ) -> None:
        self._customers = customers
        self._records = records
        self._picks = picks
        self._pieces = pieces
        self._adjust = adjust
        self._visible: OrderedDict[tuple[str, date], VisibleCycle] = OrderedDict()
        self._settled: dict[str, date] = {}

    def view(self, cycle: str, today: date) -> VisibleCycle:
        """Monthly sums and consuming customers of a cycle on today's clock, from one pass over every
        customer's records; kept per clock day, and one entry serves every day once all is visible."""
        settled = self._settled.get(cycle)
        day = today if settled is None else min(today, settled)
        found = self._visible.get((cycle, day))
        if found is not None:
            self._visible.move_to_end((cycle, day))
            return found
        groups: dict[tuple[str | None, int], dict[SumKey, _SumGroup]] = defaultdict(dict)
        consuming_of: dict[str | None, list[str]] = defaultdict(list)
        last_visible = date.min
        for customer, records in self._held_pieces(cycle):
            if records:
                last_visible = max(last_visible, max(r.visible_from for r in records))
            visible = [r for r in records if r.visible_from <= today]
            if visible:
                consuming_of[customer.holder].append(customer.customer_id)
            if customer.association_type != "2":
                continue
            for rec in visible:
                bill_type = "0" if rec.payment >= 0 else "1"
                by_key = groups[(customer.holder, rec.charging_mode)]
                key = (customer.customer_id, rec.service.code, rec.resource_type.code, bill_type)
                group = by_key.get(key)
                if group is None:
                    group = by_key[key] = _SumGroup(rec)
                group.amount += rec.payment
                group.discount += rec.discount
                for split, balance_type in (
                    ("cash", "BALANCE_TYPE_DEBIT"),
                    ("credit", "BALANCE_TYPE_CREDIT"),
                    ("coupon", "BALANCE_TYPE_COUPON"),
                ):
                    value = getattr(rec, split)
                    if value:
                        group.details[balance_type] += value
        picks = self._picks
        if picks and picks.month == cycle:
            key = (picks.bill_delta_customer, picks.bill_delta_service, picks.bill_delta_resource_type, "0")
            by_key = groups.get((None, picks.bill_delta_mode), {})
            if key in by_key:
                by_key[key].amount += picks.bill_delta
                by_key[key].details["BALANCE_TYPE_COUPON"] += picks.bill_delta
        self._adjust(cycle, groups)
        found = VisibleCycle(
            sums={(holder, mode): sum_rows(by_key, mode) for (holder, mode), by_key in groups.items()},
            consuming=consuming_of.get(None, []),
            consuming_of=dict(consuming_of),
        )
        self._settled[cycle] = last_visible
        self._visible[(cycle, min(today, last_visible))] = found
        while len(self._visible) > KEPT_VIEWS:
            self._visible.popitem(last=False)
        return found

    def _held_pieces(self, cycle: str) -> Iterator[tuple[Customer, list[FeeRecord]]]:
        """Every customer's cycle, cut per holder (a mover's month is two pieces, one per holder)."""
        for whole in self._customers:
            yield from self._pieces(whole, self._records(whole, cycle), cycle)
