"""Scenario planning: which customers and records the reconciliation scenario breaks on purpose (and the
findings the warehouse must then report), which record the restatement scenario adds, and the manifest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sandbox import catalog as cat
from sandbox.billing_calendar import month_of, month_start, shift_cycle
from sandbox.draw import Draw
from sandbox.incentives import Incentives
from sandbox.ledger import Ledger
from sandbox.model import Q2, ZERO, Customer, FeeRecord, Incentive, Restatement, WorldConfig
from sandbox.population import Population
from sandbox.scenarios import RESTATEMENT, Finding, ScenarioPicks

Records = Callable[[Customer, str], list[FeeRecord]]


@dataclass(frozen=True, slots=True)
class Chosen:
    """Who and what the reconciliation scenario picked, kept to write its findings."""

    first: Customer
    victim: Customer
    hidden: FeeRecord
    referral: Customer
    duplicate: FeeRecord
    third: Customer


def scenario_month(config: WorldConfig, today: date) -> str:
    """The month the scenarios act on: configured, or the month before the clock's."""
    return config.scenario_month or month_of(today.replace(day=1) - timedelta(days=1))


def _no_rebate() -> set[str]:
    return {s.code for s in cat.SERVICES if s.incentive_policy in cat.NO_REBATE_POLICIES}


def _with_free(population: Population) -> list[Customer]:
    """Direct resale customers with a no-rebate service."""
    no_rebate = _no_rebate()
    direct_resale = [c for c in population.customers_of(None) if c.association_type == "2"]
    return [c for c in direct_resale if any(r.service.code in no_rebate for r in c.resources)]


def plan_restatement(config: WorldConfig, population: Population, month: str) -> Restatement | None:
    """The restatement: a coupon-paid no-rebate record of an established customer, published on the 10th."""
    established = [c for c in _with_free(population) if c.associated_day < month_start(month)]
    if RESTATEMENT not in config.scenarios or not established:
        return None
    no_rebate = _no_rebate()
    customer = established[-1]
    service = next(r.service.code for r in customer.resources if r.service.code in no_rebate)
    return Restatement(
        cycle=month,
        customer_id=customer.customer_id,
        service=service,
        record_id=Draw(config.seed, "restatement").hex(24),
        amount=Decimal("66.60"),
        balance_type="BALANCE_TYPE_COUPON",
        published_on=month_start(shift_cycle(month, 1)) + timedelta(days=9),
    )


def pick_reconciliation(
    population: Population, month: str, records: Records, incentives: list[Incentive]
) -> tuple[ScenarioPicks, Chosen]:
    """The R1-R5 picks, from the world as generated without them (`incentives`: the month's records)."""
    no_rebate = _no_rebate()
    direct_resale = [c for c in population.customers_of(None) if c.association_type == "2"]
    with_free = _with_free(population)
    picks = ScenarioPicks(month=month)
    # R1 bill differs: the first direct resale customer with usage gets a coupon deduction on its bill.
    first, recs = next(
        (c, recs) for c in direct_resale if (recs := [r for r in records(c, month) if r.charging_mode == 3])
    )
    picks.bill_delta_customer = first.customer_id
    picks.bill_delta_service = recs[0].service.code
    picks.bill_delta_resource_type = recs[0].resource_type.code
    # R1 missing detail: a no-rebate usage record of another customer is billed and paid, never served.
    victim, hidden = next(
        (c, r)
        for c in with_free
        if c is not first
        for r in records(c, month)
        if r.service.code in no_rebate
        and not r.varied
        and r.bill_date.day >= 10
        and r.visible_from == r.bill_date + timedelta(days=1)
    )
    picks.hidden_record_id = hidden.id
    # R5 duplicate: a referral customer's record is served twice in every sweep.
    referral, duplicate = next(
        (c, r)
        for c in population.customers_of(None)
        if c.association_type == "1"
        for r in records(c, month)
        if r.bill_date.day >= 5 and not r.varied and r.visible_from == r.bill_date + timedelta(days=1)
    )
    picks.duplicate_record_id = duplicate.id
    # R3 wrong rate: the first incentive of a third customer uses a rate the plan does not have.
    third_incentive = next(
        i for i in incentives if i.customer not in (first, victim) and i.base_amount >= 100
    )
    third = third_incentive.customer
    picks.wrong_rate_customer = third.customer_id
    picks.wrong_rate_service = third_incentive.product_type
    picks.unpaid_bill_month = month
    return picks, Chosen(first, victim, hidden, referral, duplicate, third)


def reconciliation_findings(
    picks: ScenarioPicks,
    chosen: Chosen,
    population: Population,
    records: Records,
    ledger: Ledger,
    incentives: Incentives,
) -> list[Finding]:
    """What the warehouse must report, from the world as generated with the picks."""
    month = picks.month
    first, victim, hidden = chosen.first, chosen.victim, chosen.hidden
    referral, duplicate, third = chosen.referral, chosen.duplicate, chosen.third
    served = [r for r in records(first, month) if r.charging_mode == 3 and not r.hidden]
    victim_mode = hidden.charging_mode
    victim_total = sum(
        (r.payment for r in records(victim, month) if r.charging_mode == victim_mode and r.id != hidden.id),
        ZERO,
    )
    bill_total = sum((r.payment for r in served), ZERO)
    debit_bill = ZERO
    for customer in population.customers_of(None):
        if customer.association_type == "2":
            debit_bill += sum((r.cash - r.bonus for r in records(customer, month)), ZERO)
    debit_tx = ledger.net_consumption(month)
    wrong = next(
        i
        for i in incentives.records(month)
        if i.customer.customer_id == third.customer_id and i.product_type == picks.wrong_rate_service
    )
    expected = (wrong.base_amount * cat.PLAN_RATES[wrong.product_type]).quantize(Q2, rounding=ROUND_HALF_UP)
    return [
        Finding(
            "R1",
            "bill_differs_from_details",
            {"cycle": month, "customer_id": first.customer_id, "charging_mode": "3"},
            bill_total,
            bill_total + picks.bill_delta,
            f"monthly-sum bill of {first.account_name} (on-demand) carries {picks.bill_delta} more "
            "(as a coupon deduction) than its fee records",
        ),
        Finding(
            "R1",
            "missing_detail_record",
            {"cycle": month, "customer_id": victim.customer_id, "charging_mode": str(victim_mode)},
            victim_total,
            victim_total + hidden.payment,
            f"fee record {hidden.id} ({hidden.payment}) is billed and paid but res-fee-records never "
            "returns it",
        ),
        Finding(
            "R2",
            "transaction_without_bill",
            {"cycle": month, "balance_type": "BALANCE_TYPE_DEBIT"},
            debit_bill,
            debit_tx,
            f"an expense of {picks.orphan_expense} (trade id TX{month.replace('-', '')}ORPHAN0001) "
            "has no bill; left = monthly-sum DEBIT details, right = expenses - refunds",
        ),
        Finding(
            "R3",
            "wrong_incentive_rate",
            {"incentive_data_id": wrong.incentive_data_id},
            expected,
            wrong.incentive_amount,
            f"incentive at rate {wrong.rate} instead of the plan's {cat.PLAN_RATES[wrong.product_type]}; "
            "left = base x plan rate, right = exported incentive amount",
        ),
        Finding(
            "R4",
            "paid_bill_without_topup",
            {"incentive_bill_id": incentives.bill_id(month)},
            incentives.bill_total(month),
            ZERO,
            "incentive bill marked 已完成 (paid) but no SOURCE_OPERAIION_RECHARGE_REBATE top-up exists",
        ),
        Finding(
            "R5",
            "duplicate_record",
            {
                "dataset": "consumption_records",
                "id": duplicate.id,
                "cycle": month,
                "customer_id": referral.customer_id,
            },
            duplicate.payment * 2,
            duplicate.payment,
            "the same fee record id is served twice in every sweep of this customer and cycle",
        ),
    ]


def manifest(
    config: WorldConfig, picks: ScenarioPicks | None, restatement: Restatement | None
) -> dict[str, object]:
    """The /_sandbox/manifest: the scenarios, their month, the expected findings and restatements."""
    names = ",".join(sorted(config.scenarios)) or None
    return {
        "scenario": names,
        "scenario_month": picks.month if picks else (restatement.cycle if restatement else None),
        "findings": [f.to_json() for f in picks.findings] if picks else [],
        "restatements": [restatement.to_json()] if restatement else [],
    }
