"""Incentive payout applications (激励申付 > 申请记录, §1.11): one per incentive bill, as the ledger pays.

The partner applies for month M's bill on the 8th of M+1 (after the month is final); the application is
reviewed (审核中) until the rebate top-up of the 15th of M+2, when it is completed (已完成): each completed
application equals that SOURCE_OPERAIION_RECHARGE_REBATE top-up, whose trade_id is the bill id the
application names. A first attempt on the 6th is rejected (已驳回). The reconciliation scenario applies for
M-2's bill with an amount `payout_gap` above the bill (and so above its top-up): the R11 finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox.billing_calendar import beijing_moment, month_end, month_start, shift_cycle
from sandbox.incentives import Incentives, rebate_day
from sandbox.scenarios import Finding, ScenarioPicks

COMPLETED = ("已完成", "Completed")
REVIEWING = ("审核中", "Under Review")
REJECTED = ("已驳回", "Rejected")


@dataclass(frozen=True, slots=True)
class PayoutApplication:
    """One row of the export (status as (zh, en) text)."""

    application_no: str
    period: str
    amount: Decimal
    status: tuple[str, str]
    applied_at: datetime
    incentive_bill_id: str


def _months(first: date, last: date) -> list[str]:
    months, month = [], f"{first.year:04d}-{first.month:02d}"
    while month_start(month) <= last:
        months.append(month)
        month = shift_cycle(month, 1)
    return months


def applications(
    incentives: Incentives, first_day: date, last_day: date, picks: ScenarioPicks | None
) -> list[PayoutApplication]:
    """Every application made by `last_day`, oldest first (rejected attempts before the real one)."""
    out: list[PayoutApplication] = []
    for month in _months(first_day, last_day):
        bill = incentives.bill_total(month)
        if bill <= 0 or month_end(month) < first_day:
            continue
        bill_id = incentives.bill_id(month)
        number = "AP" + bill_id[2:]
        applied = month_start(shift_cycle(month, 1)) + timedelta(days=7)
        attempt = applied - timedelta(days=2)
        if attempt <= last_day:
            moment = beijing_moment(attempt, 9, 30, 0)
            out.append(PayoutApplication(number + "R", month, bill, REJECTED, moment, bill_id))
        if applied > last_day:
            continue
        paid = rebate_day(month) <= last_day and not (picks and picks.unpaid_bill_month == month)
        amount = bill + (picks.payout_gap if picks and picks.payout_gap_month == month else Decimal(0))
        status = COMPLETED if paid else REVIEWING
        moment = beijing_moment(applied, 10, 0, 0)
        out.append(PayoutApplication(number, month, amount, status, moment, bill_id))
    return out


def payout_break(picks: ScenarioPicks, incentives: Incentives) -> list[Finding]:
    """R11: M-2's application asks `payout_gap` more than its bill's rebate top-up (paid inside M)."""
    month = shift_cycle(picks.month, -2)
    bill = incentives.bill_total(month)
    if bill <= 0:
        return []
    picks.payout_gap_month = month
    number = "AP" + incentives.bill_id(month)[2:]
    return [
        Finding(
            "R11",
            "payout_vs_topup",
            {"application_no": number},
            bill + picks.payout_gap,
            bill,
            f"completed payout application {number} asks {picks.payout_gap} more than the rebate top-up of "
            f"bill {incentives.bill_id(month)}",
        )
    ]
