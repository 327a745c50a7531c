"""Incentives: month M's records (direct resale customers x rebate-eligible product types at the plan's
rate), the monthly incentive bill, when it is final and when it is paid, and the plan table."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sandbox import catalog as cat
from sandbox.billing_calendar import month_end, month_start, shift_cycle
from sandbox.cycle_scan import CycleScans
from sandbox.model import Q2, ZERO, Customer, Incentive, WorldConfig
from sandbox.scenarios import ScenarioPicks


def plan_table() -> list[dict[str, str]]:
    """The partner's incentive plan rates per product type (what `pbw sandbox export plans` writes)."""
    return [
        {"plan_name": cat.PLAN_NAME, "product_type": code, "rate": format(rate, "f")}
        for code, rate in sorted(cat.PLAN_RATES.items())
    ]


def rebate_day(month: str) -> date:
    """The day month M's incentive bill is paid: the 15th of M+2 (Beijing)."""
    return month_start(shift_cycle(month, 2)) + timedelta(days=14)


def month_final(month: str, today: date) -> bool:
    """Month M is final (and its incentives published) from the 5th of M+1 (Beijing)."""
    return today >= month_start(shift_cycle(month, 1)) + timedelta(days=4)


class Incentives:
    """Month M's incentive records per month (cached), the R3 wrong rate and R4 paid bill when picked."""

    def __init__(
        self,
        config: WorldConfig,
        direct: list[Customer],
        scans: CycleScans,
        picks: ScenarioPicks | None,
    ) -> None:
        self._config = config
        self._direct = direct
        self._scans = scans
        self._picks = picks
        self._months: dict[str, list[Incentive]] = {}

    def bill_id(self, month: str) -> str:
        return f"IB{month.replace('-', '')}{self._config.domain_id[:8].upper()}"

    def records(self, month: str) -> list[Incentive]:
        """Month M's incentive records: direct resale customers x rebate-eligible product types."""
        cached = self._months.get(month)
        if cached is not None:
            return cached
        out: list[Incentive] = []
        if month_end(month) >= self._config.first_day:
            bill_id = self.bill_id(month)
            scan = self._scans.scan(month)
            for customer in self._direct:
                if customer.association_type != "2":
                    continue
                bases = scan.bases[customer.index]
                for code in sorted(bases):
                    service = cat.SERVICE_BY_CODE[code]
                    if code not in cat.PLAN_RATES or service.incentive_policy in cat.NO_REBATE_POLICIES:
                        continue
                    if bases[code] <= 0:
                        continue
                    rate = cat.PLAN_RATES[code]
                    picks = self._picks
                    if (
                        picks
                        and picks.month == month
                        and picks.wrong_rate_customer == customer.customer_id
                        and picks.wrong_rate_service == code
                    ):
                        rate = picks.wrong_rate
                    out.append(
                        Incentive(
                            incentive_bill_id=bill_id,
                            incentive_data_id=f"ID{month.replace('-', '')}{len(out) + 1:05d}",
                            period=month,
                            customer=customer,
                            product_type=code,
                            charging_mode=service.charging_mode,
                            base_amount=bases[code],
                            rate=rate,
                            incentive_amount=(bases[code] * rate).quantize(Q2, rounding=ROUND_HALF_UP),
                        )
                    )
        self._months[month] = out
        return out

    def bill_total(self, month: str) -> Decimal:
        return sum((i.incentive_amount for i in self.records(month)), ZERO)

    def paid(self, month: str, last_day: date) -> bool:
        """Paid (已完成) once the top-up is visible; the R4 scenario marks one unpaid bill paid anyway."""
        if self._picks and self._picks.unpaid_bill_month == month:
            return True
        return rebate_day(month) <= last_day
