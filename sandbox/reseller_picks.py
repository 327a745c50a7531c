"""What the reconciliation scenario breaks per reseller (chosen when the world is built): the ground truth
of the reseller rules R1/R5_QUOTA/R6_FUNDS/R7_BALANCE, kept apart from the partner-wide `ScenarioPicks`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(slots=True)
class ResellerPicks:
    """One break per idea, each in one reseller (`""` = not picked); amounts fixed so findings are exact."""

    month: str
    bill_delta_reseller: str = ""
    bill_delta_customer: str = ""
    bill_delta_mode: int = 3
    bill_delta_service: str = ""
    bill_delta_resource_type: str = ""
    bill_delta: Decimal = Decimal("55.50")
    hidden_reseller: str = ""
    hidden_customer: str = ""
    hidden_record_id: str = ""
    unmatched_allocation_reseller: str = ""
    unmatched_allocation: Decimal = Decimal("2000.00")
    reclaim_without_status_reseller: str = ""
    reclaim_without_status_quota: str = ""
    balance_reseller: str = ""
    balance_delta: Decimal = Decimal("77.70")
    orphan_reseller: str = ""
    orphan_expense: Decimal = Decimal("99.90")
