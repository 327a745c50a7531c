"""Ground truth per holder of one month (`GET /_sandbox/holders?month=M`): what each view serves on the
sandbox clock, so tests can compare warehouse totals to the cent.

Per holder (the distributor as `indirect_partner_id` null, then each reseller): its customers of the
month with the days it held them, fee records (distinct ids served to that holder and their
payment_amount, per charging mode), its monthly-sum per charge mode, the fund moves between the
distributor and the reseller (R6_FUNDS), its issued quotas (R5_QUOTA), its balances and its customers'
balances (R7_BALANCE), and the minimum calls a sweep needs at the largest page sizes, skipping customers
with nothing in the month (res-fee-records 1000, every other API 100).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox import catalog as cat
from sandbox import reseller_scenarios
from sandbox.billing_calendar import month_end, month_start
from sandbox.holder_view import holder_records
from sandbox.model import ZERO

if TYPE_CHECKING:
    from sandbox.world import World

FEE_PAGE = 1000
PAGE = 100
CHARGE_MODES = (1, 3, 11)


def _pages(rows: int, size: int) -> int:
    return -(-rows // size)


def _money(value: Decimal) -> str:
    return format(value, "f")


def _customers(world: World, holder: str | None, cycle: str) -> tuple[list[dict[str, object]], int]:
    """The holder's customers of the month with their served fee records; and the res-fee-records calls."""
    out: list[dict[str, object]] = []
    calls = 0
    associations = world.population.associations
    for customer in world.customers:
        stints = associations.days_of(customer, holder, cycle)
        if not stints:
            continue
        served, _ = holder_records(world, customer, holder, cycle)
        distinct = {r.id: r for r in served}
        by_mode: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for rec in distinct.values():
            by_mode[str(rec.charging_mode)] += rec.payment
        calls += _pages(len(served), FEE_PAGE)
        out.append(
            {
                "customer_id": customer.customer_id,
                "association_type": customer.association_type,
                "days": [s.to_json() for s in stints],
                "served_rows": len(served),
                "fee_records": len(distinct),
                "payment_amount": _money(sum(by_mode.values(), ZERO)),
                "by_charging_mode": {k: _money(v) for k, v in sorted(by_mode.items())},
            }
        )
    return out, calls


def _monthly_sum(world: World, holder: str | None, cycle: str) -> tuple[dict[str, object], int]:
    """monthly-sum per charge mode: row count, Σ amount, Σ per customer; and the calls a sweep needs."""
    out: dict[str, object] = {}
    calls = 0
    for mode in CHARGE_MODES:
        rows = world.monthly_sums(holder, cycle, mode)
        per_customer: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for row in rows:
            amount = row["amount"]
            assert isinstance(amount, Decimal)
            per_customer[str(row["customer_id"])] += amount
        calls += _pages(len(rows), PAGE)
        out[str(mode)] = {
            "rows": len(rows),
            "amount": _money(sum(per_customer.values(), ZERO)),
            "by_customer": {k: _money(v) for k, v in sorted(per_customer.items())},
        }
    return out, calls


def _account_changes(world: World, holder: str | None, cycle: str) -> tuple[dict[str, object], int]:
    """Visible account changes of the month per balance type: count, last balance; and the calls."""
    out: dict[str, object] = {}
    calls = 0
    for balance_type in cat.BALANCE_TYPES:
        txs = world.transactions(holder, balance_type, month_start(cycle), month_end(cycle))
        calls += _pages(len(txs), PAGE)
        out[balance_type] = {
            "rows": len(txs),
            "last_balance_after_change": _money(txs[-1].balance_after_change) if txs else None,
        }
    return out, calls


def holder_truth(world: World, holder: str | None, cycle: str) -> dict[str, object]:
    """Everything one holder is served of a month, with totals and minimum calls."""
    customers, fee_calls = _customers(world, holder, cycle)
    sums, sum_calls = _monthly_sum(world, holder, cycle)
    changes, change_calls = _account_changes(world, holder, cycle)
    now = world.customers_now(holder)
    picks = world.reseller_picks
    balances = {
        balance_type: _money(world.balance(holder, balance_type)) for balance_type in cat.BALANCE_TYPES
    }
    served_debit = world.balance(holder, "BALANCE_TYPE_DEBIT") + reseller_scenarios.balance_delta(
        picks, holder
    )
    truth: dict[str, object] = {
        "indirect_partner_id": holder,
        "customers": customers,
        "fee_records": sum(int(str(c["fee_records"])) for c in customers),
        "payment_amount": _money(sum((Decimal(str(c["payment_amount"])) for c in customers), ZERO)),
        "monthly_sum": sums,
        "account_changes": changes,
        "balances": balances,
        "served_debit_balance": _money(served_debit),
        "customers_now": [c.customer_id for c in now],
        "customer_balances": {
            c.customer_id: _money(world.distributor.customer_balances.balance(c.customer_id, world.last_day))
            for c in now
            if c.association_type == "2"
        },
        "minimum_calls": {
            "res_fee_records": fee_calls,
            "monthly_sum": sum_calls,
            "account_change_records": change_calls,
            "sub_customers": _pages(len(now), PAGE),
        },
    }
    if holder is not None:
        allocated, recharged = reseller_scenarios.fund_sides(world, holder, cycle)
        issued, logged = reseller_scenarios.quota_sides(world, holder)
        truth["funds"] = {"distributor_net": _money(allocated), "reseller_net": _money(recharged)}
        truth["quotas"] = {"issued_net": _money(issued), "records_net": _money(logged)}
    return truth


def month_truth(world: World, cycle: str) -> dict[str, object]:
    """`/_sandbox/holders`: the clock, the movers' days in the month and every holder's truth."""
    movers = [c for c in world.customers if world.population.associations.is_mover(c)]
    return {
        "month": cycle,
        "today": world.today.isoformat(),
        "last_day": world.last_day.isoformat(),
        "movers": [
            {
                "customer_id": c.customer_id,
                "days": [s.to_json() for s in world.population.associations.stints(c, cycle)],
            }
            for c in movers
        ],
        "holders": [
            holder_truth(world, holder, cycle)
            for holder in [None, *(r.indirect_partner_id for r in world.resellers)]
        ],
    }
