"""Coupon quotas the distributor issues to its resellers and reclaims from them (spec §1.7-1.8).

Reseller n (from 0) gets three quotas cut from the distributor's first quota, issued at 02:00 UTC on
first_day + 5 + n + 40k days (k = 0, 1, 2), worth 1000 x (k + 1) + 500 x n yuan. Quota k = 1 is reclaimed
20 days after its issue: status 6, balance 0. The records log has one "10" (issue) per quota and one "11"
(reclaim) per reclaimed quota, each for the quota's whole value, so per reseller
Σ issued values - Σ reclaimed values = Σ "10" amounts - Σ "11" amounts (rule R5_QUOTA). Nothing is shown
before it happened on the sandbox clock. The reconciliation scenario logs one reclaim whose quota keeps
status 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sandbox.billing_calendar import BEIJING_OFFSET, utc_text
from sandbox.model import Q2, Reseller, WorldConfig
from sandbox.reseller_picks import ResellerPicks

QUOTAS_PER_RESELLER = 3
RECLAIMED = 1  # which of a reseller's quotas is reclaimed
RECLAIM_AFTER = timedelta(days=20)


@dataclass(frozen=True, slots=True)
class IssuedQuota:
    """One quota issued to a reseller; `reclaimed` is when it was taken back (None: never)."""

    quota_id: str
    parent_quota_id: str
    reseller: Reseller
    value: Decimal
    issued: datetime
    reclaimed: datetime | None
    status_follows: bool = True

    def visible(self, last_day: date) -> bool:
        return (self.issued + BEIJING_OFFSET).date() <= last_day

    def reclaimed_by(self, last_day: date) -> bool:
        return self.reclaimed is not None and (self.reclaimed + BEIJING_OFFSET).date() <= last_day

    def status(self, last_day: date) -> int:
        return 6 if self.reclaimed_by(last_day) and self.status_follows else 0

    def balance(self, last_day: date) -> Decimal:
        return Decimal("0.00") if self.status(last_day) == 6 else self.value

    def to_json(self, last_day: date) -> dict[str, object]:
        """The quota as issued-coupon-quotas (1.8) lists it."""
        return {
            "quota_id": self.quota_id,
            "quota_type": 0,
            "quota_status": self.status(last_day),
            "quota_value": self.value,
            "balance": self.balance(last_day),
            "measure_id": 1,
            "currency": "CNY",
            "create_time": utc_text(self.issued),
            "last_update_time": utc_text(
                self.reclaimed if self.reclaimed_by(last_day) and self.reclaimed else self.issued
            ),
            "effective_time": utc_text(self.issued),
            "expire_time": utc_text(self.issued + timedelta(days=365)),
            "limit_infos": [
                {
                    "limit_key": "SERVICE_TYPE",
                    "limit_values": [{"value1": "hws.service.type.ec2", "value2": ""}],
                }
            ],
            "indirect_partner_id": self.reseller.indirect_partner_id,
            "indirect_partner_account_name": self.reseller.account_name,
            "indirect_partner_name": self.reseller.name,
            "parent_quota_id": self.parent_quota_id,
        }

    def records(self, last_day: date) -> list[dict[str, object]]:
        """Its lines in the issue/reclaim log (1.8): "10" once issued, "11" once reclaimed."""
        out = []
        for op, moment in (("10", self.issued), ("11", self.reclaimed)):
            if moment is None or (moment + BEIJING_OFFSET).date() > last_day:
                continue
            out.append(
                {
                    "id": f"QR{self.quota_id[-8:]}{op}",
                    "operator": "pbw_partner_admin",
                    "operation_type": op,
                    "quota_id": self.quota_id,
                    "parent_quota_id": self.parent_quota_id,
                    "amount": self.value,
                    "operation_time": utc_text(moment),
                    "result": "0",
                    "indirect_partner_id": self.reseller.indirect_partner_id,
                    "indirect_partner_account_name": self.reseller.account_name,
                    "indirect_partner_name": self.reseller.name,
                    "remark": "",
                }
            )
        return out


def issued_quotas(
    config: WorldConfig, resellers: list[Reseller], picks: ResellerPicks | None
) -> list[IssuedQuota]:
    """Every quota issued to a reseller, by reseller then issue time."""
    parent = f"QT{config.seed:04d}{0:06d}"
    first = datetime.combine(config.first_day, datetime.min.time())
    out = []
    for n, reseller in enumerate(resellers):
        for k in range(QUOTAS_PER_RESELLER):
            issued = first + timedelta(days=5 + n + 40 * k, hours=2)
            quota_id = f"{parent}R{n:02d}Q{k}"
            broken = picks is not None and picks.reclaim_without_status_quota == quota_id
            out.append(
                IssuedQuota(
                    quota_id=quota_id,
                    parent_quota_id=parent,
                    reseller=reseller,
                    value=Decimal(1000 * (k + 1) + 500 * n).quantize(Q2),
                    issued=issued,
                    reclaimed=issued + RECLAIM_AFTER if k == RECLAIMED or broken else None,
                    status_follows=not broken,
                )
            )
    return out


def broken_quota_id(config: WorldConfig, reseller_index: int) -> str:
    """The quota the scenario reclaims in the log without its status changing (never reclaimed otherwise)."""
    return f"QT{config.seed:04d}{0:06d}R{reseller_index:02d}Q2"
