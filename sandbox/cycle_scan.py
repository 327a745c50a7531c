"""What a cycle contributes regardless of the clock, from one pass over every resale customer's records:
consumption account changes per (holder, balance type) and incentive bases per direct customer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sandbox import catalog as cat
from sandbox.associations import Pieces
from sandbox.model import ZERO, Customer, FeeRecord, Pending


@dataclass(slots=True)
class CycleScan:
    """What a cycle contributes regardless of the clock, from one pass over every customer's records:
    consumption account changes per (holder, balance type) and incentive bases per direct customer."""

    changes: dict[tuple[str | None, str], list[Pending]]
    bases: dict[int, dict[str, Decimal]]


class CycleScans:
    """Scans per cycle (kept: small, and never clock-bound)."""

    def __init__(
        self,
        customers: list[Customer],
        records: Callable[[Customer, str], list[FeeRecord]],
        pieces: Pieces = lambda customer, records, cycle: [(customer, records)],
    ) -> None:
        self._customers = customers
        self._records = records
        self._pieces = pieces
        self._scans: dict[str, CycleScan] = {}

    def scan(self, cycle: str) -> CycleScan:
        """One pass over every resale customer's cycle: consumption account changes for each holder and
        balance type, and the incentive bases of direct customers (kept: small, and never clock-bound)."""
        found = self._scans.get(cycle)
        if found is not None:
            return found
        changes: dict[tuple[str | None, str], list[Pending]] = defaultdict(list)
        bases: dict[int, dict[str, Decimal]] = {}
        for customer, records in self._resale_pieces(cycle):
            if customer.association_type != "2":
                continue
            for balance_type, split in (("BALANCE_TYPE_DEBIT", "cash"), ("BALANCE_TYPE_CREDIT", "credit")):
                out = changes[(customer.holder, balance_type)]
                usage: dict[date, tuple[datetime, Decimal]] = {}
                for rec in records:
                    value: Decimal = getattr(rec, split)
                    if rec.synthetic or rec.bill_detail_type in (9, 16) or not value:
                        continue
                    if rec.charging_mode == 3:
                        last, total = usage.get(rec.bill_date, (rec.trade_time, ZERO))
                        usage[rec.bill_date] = (max(last, rec.trade_time), total + value)
                    elif value > 0:
                        out.append(Pending(rec.trade_time, 2, value, "2", cat.TD_PERIOD, rec.trade_id))
                    else:
                        out.append(Pending(rec.trade_time, 2, -value, "1", cat.TD_REFUND, rec.trade_id))
                for day, (moment, total) in usage.items():
                    trade_id = f"TX{day:%Y%m%d}{customer.customer_id[:10].upper()}"
                    out.append(Pending(moment, 2, total, "2", cat.TD_USAGE, trade_id))
            if customer.holder is None:
                customer_bases: dict[str, Decimal] = defaultdict(lambda: ZERO)
                for rec in records:
                    if not rec.synthetic and rec.bill_detail_type not in (9, 16):
                        customer_bases[rec.service.code] += rec.payment
                bases[customer.index] = customer_bases
        found = self._scans[cycle] = CycleScan(dict(changes), bases)
        return found

    def _resale_pieces(self, cycle: str) -> Iterator[tuple[Customer, list[FeeRecord]]]:
        """Every resale customer's cycle cut per holder (a mover's month is one piece per holder)."""
        for whole in self._customers:
            if whole.association_type == "2":
                yield from self._pieces(whole, self._records(whole, cycle), cycle)
