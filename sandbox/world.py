"""The sandbox's seeded world: a partner, its resellers and customers, and everything they consume and pay.

Everything derives from (seed, customer, day) through a keyed hash, so any day can be generated on demand
without the history before it, and the same seed always gives the same bytes. The world is built so that
every reconciliation rule of ARCHITECTURE.md holds exactly unless a scenario breaks it on purpose:

- fee records: daily on-demand usage (charging_mode 3, bill_detail_type 5) and yearly/monthly orders
  (charging_mode 1; new 1, renewal 2, auto-renewal 8, unsubscribe 4 = negative refund). Per record
  payment = official - discount = cash + credit + coupon (+ zero flexipurchase/stored-value/debt/write-off).
  A share of each day's records (`late_share`) becomes visible one or two days late.
- monthly-sum: per (customer, service, resource type, bill type, charge mode) sums of the visible records of
  the partner's resale customers (bill_type 0 positive, 1 negative); account_details per balance type.
- account changes per holder (partner or reseller) and balance type, by (trade_time, account_change_id):
  RECHARGE on the 1st 00:00:00 Beijing restoring a fixed target balance; per resale customer and day one
  on-demand expense (SOURCE_OPERAIION_USAGE) and one period expense per order (SOURCE_OPERAIION_DEDEUCT),
  refunds as income (SOURCE_OPERAIION_REFUND), an allocation on the 2nd (SOURCE_OPERATION_BEADJUST), and the
  incentive rebate top-up of month M on the 15th of M+2 10:00 Beijing (SOURCE_OPERAIION_RECHARGE_REBATE, trade
  id = incentive bill id). Transactions carry the trade_time of the records they pay for and are never late.
- incentives of month M: one record per (direct resale customer, rebate-eligible service) with base = sum of
  payment_amount, incentive = base x plan rate (half-up, 2 dp); one bill per month, paid (已完成) once its
  top-up is visible.

- resellers (the distributor world, ARCHITECTURE.md): each holder (the distributor, or a reseller by
  `indirect_partner_id`) sees a customer's records, monthly sums, orders and consumption account changes only
  for the days it held it (`associations`), so every rule above holds per holder; the distributor allocates
  funds to its resellers (their recharges) and reclaims some (`reseller_funds`), and issues them quotas.

`World` is the facade over the modules that hold each idea (map in `sandbox/__init__.py`); it owns the clock.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from time import perf_counter

from sandbox import catalog as cat
from sandbox import planning, reseller_scenarios
from sandbox.billing_calendar import BEIJING_OFFSET, beijing_today
from sandbox.cycle_scan import CycleScans
from sandbox.distributor import RESELLERS, Distributor, ResellerPicks
from sandbox.fee_records import FeeRecordMaker
from sandbox.incentives import Incentives, month_final
from sandbox.ledger import Ledger
from sandbox.model import Customer, FeeRecord, Incentive, Pending, Restatement, Transaction, WorldConfig
from sandbox.orders import Orders
from sandbox.population import Population
from sandbox.record_cache import DEFAULT_CACHE_RECORDS, RecordCache, served_body
from sandbox.scenarios import RECONCILIATION, ScenarioPicks
from sandbox.summary import describe
from sandbox.visibility import VisibleViews


class World:
    """The generated partner world; thread-compatible for one server (the server serializes access)."""

    def __init__(
        self, config: WorldConfig, today: date | None = None, cache_records: int = DEFAULT_CACHE_RECORDS
    ) -> None:
        self.config = config
        self.today = today or beijing_today()
        self.cache_records = cache_records
        self.drift_records: dict[tuple[str, str], list[FeeRecord]] = defaultdict(list)
        self.population = Population.generate(config)
        self.resellers = self.population.resellers
        self.customers = self.population.customers
        self.customer_by_id = self.population.customer_by_id
        self.picks: ScenarioPicks | None = None
        self.reseller_picks: ResellerPicks | None = None
        self.restatement: Restatement | None = None
        self._assemble(FeeRecordMaker(config))
        if config.scenarios:
            try:
                self._plan_scenarios()
            except (StopIteration, IndexError):
                raise ValueError(
                    "the scenarios need more customers with consumption in the scenario month (try 12+)"
                ) from None

    def _assemble(self, maker: FeeRecordMaker) -> None:
        """Wire the parts for the current picks, with empty caches (planning rebuilds them once picked)."""
        picks, population = self.picks, self.population
        self._maker = maker
        hidden, duplicate = (picks.hidden_record_id, picks.duplicate_record_id) if picks else ("", "")
        generate = partial(maker.cycle, hidden_id=hidden)
        self._records = RecordCache(generate, self.cache_records, self.drift_records, duplicate)
        records = self._records.records
        self.distributor = Distributor(self.config, population, self.reseller_picks, self.allocation)
        self._views = VisibleViews(
            population.customers, records, picks, population.associations.pieces, self.distributor.adjust_sums
        )
        scans = CycleScans(population.customers, records, population.associations.pieces)
        self._incentives = Incentives(self.config, population.customers_of(None), scans, picks)
        self._ledger = Ledger(self.config, population, scans, self._incentives, picks, self.distributor.funds)
        self._orders = Orders(self.config, population)

    def _plan_scenarios(self) -> None:
        month = planning.scenario_month(self.config, self.today)
        self.restatement = planning.plan_restatement(self.config, self.population, month)
        self._assemble(FeeRecordMaker(self.config, self.restatement))
        if RESELLERS in self.config.scenarios:
            self.reseller_picks = reseller_scenarios.pick(
                self.config, self.population, month, self.cycle_records
            )
            self._assemble(self._maker)
        if RECONCILIATION not in self.config.scenarios:
            return
        picks, chosen = planning.pick_reconciliation(
            self.population, month, self.cycle_records, self.incentives(month)
        )
        self.picks = picks
        self._assemble(self._maker)
        picks.findings = planning.reconciliation_findings(
            picks, chosen, self.population, self.cycle_records, self._ledger, self._incentives
        )

    def customers_of(self, holder: str | None) -> list[Customer]:
        return self.population.customers_of(holder)

    def holder_known(self, holder: str | None) -> bool:
        return self.population.holder_known(holder)

    def customers_now(self, holder: str | None) -> list[Customer]:
        """The holder's customers on the clock's last served day (movers where they are then)."""
        return self.population.customers_on(holder, self.last_day)

    @property
    def last_day(self) -> date:
        """The last Beijing day whose data is served (yesterday by the sandbox clock)."""
        return self.today - timedelta(days=1)

    def cycle_records(self, customer: Customer, cycle: str) -> list[FeeRecord]:
        return self._records.records(customer, cycle)

    @property
    def cached_records(self) -> int:
        return self._records.cached_records

    def served_records(self, customer: Customer, cycle: str) -> list[FeeRecord]:
        """What res-fee-records serves today: visible, not hidden, plus drift records, duplicates repeated."""
        return self._records.served(customer, cycle, self.today).served

    def served_body(self, customer: Customer, cycle: str, offset: int, limit: int) -> bytes:
        return served_body(self._records.served(customer, cycle, self.today), offset, limit)

    def add_drift_record(self, customer: Customer, cycle: str, before: FeeRecord) -> FeeRecord:
        drift = self.drift_records[(customer.customer_id, cycle)]
        rec = self._maker.drift_record(customer, before, len(drift), self.today)
        drift.append(rec)
        return rec

    def consumption_customers(self, cycle: str, holder: str | None = None) -> list[str]:
        """Customers with visible consumption on days the holder held them (moved away or not)."""
        return self._views.view(cycle, self.today).consuming_of.get(holder, [])

    def monthly_sums(self, holder: str | None, cycle: str, charge_mode: int) -> list[dict[str, object]]:
        return self._views.view(cycle, self.today).sums.get((holder, charge_mode), [])

    def allocation(self, holder: str | None, cycle: str) -> Pending | None:
        return self._ledger.allocation(holder, cycle)

    def fund_moves(self, cycle: str) -> list[Pending]:
        """The distributor's allocations to and reclaims from its resellers in a month."""
        return self.distributor.funds.changes(None, cycle, self._ledger.month_transactions)

    def month_transactions(self, holder: str | None, balance_type: str, cycle: str) -> list[Transaction]:
        return self._ledger.month_transactions(holder, balance_type, cycle)

    def transactions(
        self, holder: str | None, balance_type: str, begin: date, end: date
    ) -> list[Transaction]:
        return self._ledger.transactions(holder, balance_type, begin, end, self.last_day)

    def balance(self, holder: str | None, balance_type: str) -> Decimal:
        return self._ledger.balance(holder, balance_type, self.last_day)

    def orders(self, holder: str | None) -> list[dict[str, object]]:
        """The holder's customers' orders; a mover's order belongs to its holder on the payment day."""
        associations = self.population.associations
        if not any(associations.is_mover(c) for c in self.customers):
            return self._orders.orders(holder, self.today)
        homes = [None, *(r.indirect_partner_id for r in self.resellers)]
        found = [
            order
            for home in homes
            for order in self._orders.orders(home, self.today)
            if associations.holder_on(self.customer_by_id[str(order["customer_id"])], _paid_on(order))
            == holder
        ]
        return sorted(found, key=lambda o: (str(o["payment_time"]), str(o["order_id"])))

    def incentive_bill_id(self, month: str) -> str:
        return self._incentives.bill_id(month)

    def incentives(self, month: str) -> list[Incentive]:
        return self._incentives.records(month)

    def incentive_bill_total(self, month: str) -> Decimal:
        return self._incentives.bill_total(month)

    def incentive_paid(self, month: str) -> bool:
        return self._incentives.paid(month, self.last_day)

    def month_final(self, month: str) -> bool:
        return month_final(month, self.today)

    def manifest(self) -> dict[str, object]:
        found = planning.manifest(self.config, self.picks, self.restatement)
        return reseller_scenarios.extend_manifest(self, found)

    def describe(self) -> dict[str, object]:
        return describe(self.config, self.today, self.last_day, self.population)

    def warm(self, cycle: str) -> dict[str, object]:
        """Generate and pre-serialize `cycle` for every customer, with its aggregates (monthly sums, consuming
        customers, transactions and the months their balances chain to), so a benchmark timed afterwards
        measures serving rather than generation. The cycle's records come last so they stay cached."""
        started = perf_counter()
        for holder in [None, *(r.indirect_partner_id for r in self.resellers)]:
            for balance_type in cat.BALANCE_TYPES:
                self.month_transactions(holder, balance_type, cycle)
            self.orders(holder)
        self._views.view(cycle, self.today)
        served = sum(len(self.served_records(customer, cycle)) for customer in self.customers)
        return {
            "month": cycle,
            "served_records": served,
            "cached_records": self.cached_records,
            "cache_records": self.cache_records,
            "seconds": round(perf_counter() - started, 3),
        }


def _paid_on(order: dict[str, object]) -> date:
    """An order's payment day in Beijing."""
    return (datetime.fromisoformat(str(order["payment_time"]).removesuffix("Z")) + BEIJING_OFFSET).date()
