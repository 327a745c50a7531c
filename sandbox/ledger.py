"""The partner's account ledger per holder (partner or reseller) and balance type: a month's account
changes (recharge, consumption, refunds, allocations, rebate top-ups) with ids and running balances."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from sandbox import catalog as cat
from sandbox.billing_calendar import beijing_moment, month_end, month_of, month_start, shift_cycle
from sandbox.cycle_scan import CycleScans
from sandbox.incentives import Incentives
from sandbox.model import Q2, ZERO, Pending, Transaction, WorldConfig
from sandbox.population import Population
from sandbox.record_cache import KEPT_VIEWS
from sandbox.reseller_funds import ResellerFunds
from sandbox.scenarios import ScenarioPicks


def net(changes: Iterable[Pending]) -> Decimal:
    return sum((p.amount if p.type == "1" else -p.amount for p in changes), ZERO)


class Ledger:
    """Account changes and transactions per (holder, balance type, month), cached; R2's orphan expense and
    R4's missing top-up when picked."""

    def __init__(
        self,
        config: WorldConfig,
        population: Population,
        scans: CycleScans,
        incentives: Incentives,
        picks: ScenarioPicks | None,
        funds: ResellerFunds | None = None,
    ) -> None:
        self._funds = funds
        self._config = config
        self._population = population
        self._scans = scans
        self._incentives = incentives
        self._picks = picks
        self._month_changes: dict[tuple[str | None, str, str], list[Pending]] = {}
        self._month_transactions: dict[tuple[str | None, str, str], list[Transaction]] = {}
        self._windows: OrderedDict[tuple[str | None, str, date, date], list[Transaction]] = OrderedDict()

    def month_changes(self, holder: str | None, balance_type: str, cycle: str) -> list[Pending]:
        """A month's account changes except the opening recharge, in order, without balances."""
        key = (holder, balance_type, cycle)
        cached = self._month_changes.get(key)
        if cached is not None:
            return cached
        changes: list[Pending] = []
        if month_end(cycle) >= self._config.first_day:
            changes += self._scans.scan(cycle).changes.get((holder, balance_type), [])
            allocation = self.allocation(holder, cycle)
            if balance_type == "BALANCE_TYPE_DEBIT" and allocation is not None:
                changes.append(allocation)
            if balance_type == "BALANCE_TYPE_DEBIT" and self._funds is not None:
                changes += self._funds.changes(holder, cycle, self.month_transactions)
            if balance_type == "BALANCE_TYPE_DEBIT" and holder is None:
                paid_month = shift_cycle(cycle, -2)
                bill = self._incentives.bill_total(paid_month)
                if bill > 0 and not (self._picks and self._picks.unpaid_bill_month == paid_month):
                    changes.append(
                        Pending(
                            beijing_moment(month_start(cycle) + timedelta(days=14), 10, 0, 0),
                            1,
                            bill,
                            "1",
                            cat.TD_REBATE,
                            self._incentives.bill_id(paid_month),
                        )
                    )
            if (
                self._picks
                and self._picks.month == cycle
                and holder is None
                and balance_type == "BALANCE_TYPE_DEBIT"
            ):
                changes.append(
                    Pending(
                        beijing_moment(month_start(cycle) + timedelta(days=11), 11, 11, 11),
                        1,
                        self._picks.orphan_expense,
                        "2",
                        cat.TD_USAGE,
                        f"TX{cycle.replace('-', '')}ORPHAN0001",
                    )
                )
        changes.sort(key=lambda p: (p.trade_time, p.order, p.trade_id, p.type))
        self._month_changes[key] = changes
        return changes

    def allocation(self, holder: str | None, cycle: str) -> Pending | None:
        """The month's allocation to one resale customer (BEADJUST, 2nd of the month 14:00 Beijing)."""
        day = month_start(cycle) + timedelta(days=1)
        resale = [c for c in self._population.customers_on(holder, day) if c.association_type == "2"]
        if not resale or day < self._config.first_day:
            return None
        target = resale[day.month % len(resale)]
        return Pending(
            beijing_moment(day, 14, 0, 0),
            1,
            Decimal(1000 * (1 + day.month % 5)).quantize(Q2),
            "2",
            cat.TD_BEADJUST,
            f"ADJ{cycle.replace('-', '')}{target.customer_id[:8].upper()}",
            target.customer_id,
            target.account_name,
        )

    def month_transactions(self, holder: str | None, balance_type: str, cycle: str) -> list[Transaction]:
        """All of a month's transactions with ids and running balances (visible or not)."""
        key = (holder, balance_type, cycle)
        cached = self._month_transactions.get(key)
        if cached is not None:
            return cached
        changes = list(self.month_changes(holder, balance_type, cycle))
        target = cat.TARGET_BALANCE[balance_type]
        previous = shift_cycle(cycle, -1)
        if month_end(previous) < self._config.first_day:
            opening = ZERO
        else:
            opening = target + net(self.month_changes(holder, balance_type, previous))
        out: list[Transaction] = []
        letter = "D" if balance_type == "BALANCE_TYPE_DEBIT" else "C"
        if changes and month_end(cycle) >= self._config.first_day and opening != target:
            gap = target - opening
            changes.insert(
                0,
                Pending(
                    beijing_moment(month_start(cycle), 0, 0, 0),
                    0,
                    abs(gap),
                    "1" if gap > 0 else "2",
                    cat.TD_RECHARGE if gap > 0 else cat.TD_TRANS,
                    f"RC{cycle.replace('-', '')}{letter}{(holder or self._config.domain_id)[:8].upper()}",
                ),
            )
        balance = opening
        for seq, p in enumerate(changes, start=1):
            balance = balance + p.amount if p.type == "1" else balance - p.amount
            out.append(
                Transaction(
                    account_change_id=f"AC{letter}{cycle.replace('-', '')}{seq:06d}",
                    balance_type=balance_type,
                    trade_id=p.trade_id,
                    trade_time=p.trade_time,
                    change_amount=p.amount,
                    balance_after_change=balance,
                    type=p.type,
                    trade_detail_type=p.trade_detail_type,
                    customer_id=p.customer_id,
                    account_name=p.account_name,
                )
            )
        self._month_transactions[key] = out
        return out

    def transactions(
        self, holder: str | None, balance_type: str, begin: date, end: date, last_day: date
    ) -> list[Transaction]:
        """Visible transactions whose Beijing trade date is within [begin, end], in sequence order."""
        end = min(end, last_day)
        begin = max(begin, self._config.first_day)
        windows = self._windows
        key = (holder, balance_type, begin, end)
        cached = windows.get(key)
        if cached is not None:
            windows.move_to_end(key)
            return cached
        out: list[Transaction] = []
        cycle = month_of(begin)
        while begin <= end and month_start(cycle) <= end:
            out += [
                t
                for t in self.month_transactions(holder, balance_type, cycle)
                if begin <= t.trade_date <= end
            ]
            cycle = shift_cycle(cycle, 1)
        windows[key] = out
        while len(windows) > KEPT_VIEWS:
            windows.popitem(last=False)
        return out

    def balance(self, holder: str | None, balance_type: str, last_day: date) -> Decimal:
        """The balance after the last visible transaction (spec 1.9 agrees with 1.3)."""
        cycle = month_of(last_day)
        while month_end(cycle) >= self._config.first_day:
            visible = [
                t for t in self.month_transactions(holder, balance_type, cycle) if t.trade_date <= last_day
            ]
            if visible:
                return visible[-1].balance_after_change
            cycle = shift_cycle(cycle, -1)
        return ZERO

    def net_consumption(self, cycle: str) -> Decimal:
        """Expenses minus refunds for consumption in the partner's DEBIT account (R2's right side)."""
        total = ZERO
        for p in self.month_changes(None, "BALANCE_TYPE_DEBIT", cycle):
            if p.trade_detail_type in cat.CONSUMPTION_DETAIL_TYPES:
                total += p.amount if p.type == "2" else -p.amount
        return total
