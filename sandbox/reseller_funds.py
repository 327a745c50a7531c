"""Funds the distributor allocates to and reclaims from its resellers, as both ledgers record them.

Allocation: the reseller's opening DEBIT recharge on the 1st (00:00:00 Beijing, restoring its target
balance, `SOURCE_OPERATION_RECHARGE`, type "1") is the distributor's expense of the same amount and trade id
(`SOURCE_OPERATION_BEADJUST`, type "2", customer_id = the reseller's id). Reclaim: on the 20th 16:00 Beijing
the distributor takes back 300 x (reseller number) yuan: an expense in the reseller's ledger and an income
in the distributor's, both `SOURCE_OPERATION_BERETRIEVE` with one trade id. So, per reseller and month,
allocated - reclaimed (distributor side) = recharges - reclaims (reseller side): rule R6_FUNDS. The codes
on each side are inferred (S); only DEBIT (cash) is allocated, a reseller's CREDIT line is its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from sandbox import catalog as cat
from sandbox.billing_calendar import beijing_moment, month_end, month_start
from sandbox.model import Q2, Pending, Reseller, Transaction, WorldConfig
from sandbox.reseller_picks import ResellerPicks

MonthTransactions = Callable[[str | None, str, str], list[Transaction]]


class ResellerFunds:
    """The distributor's and each reseller's fund movements per month."""

    def __init__(self, config: WorldConfig, resellers: list[Reseller], picks: ResellerPicks | None) -> None:
        self._config = config
        self._resellers = resellers
        self._picks = picks

    def reclaim(self, reseller: Reseller, cycle: str) -> Pending | None:
        """The month's reclaim from one reseller (20th, 16:00 Beijing), as the distributor books it."""
        day = month_start(cycle) + timedelta(days=19)
        if day < self._config.first_day or month_end(cycle) < self._config.first_day:
            return None
        n = self._resellers.index(reseller) + 1
        return Pending(
            beijing_moment(day, 16, 0, 0),
            1,
            Decimal(300 * n).quantize(Q2),
            "1",
            cat.TD_BERETRIEVE,
            f"RT{cycle.replace('-', '')}{reseller.indirect_partner_id[:8].upper()}",
            reseller.indirect_partner_id,
            reseller.account_name,
        )

    def unmatched(self, reseller: Reseller, cycle: str) -> Pending | None:
        """The scenario's allocation the distributor books on the 8th: no recharge on the other side."""
        picks = self._picks
        if (
            not picks
            or picks.month != cycle
            or picks.unmatched_allocation_reseller != reseller.indirect_partner_id
        ):
            return None
        return Pending(
            beijing_moment(month_start(cycle) + timedelta(days=7), 10, 0, 0),
            1,
            picks.unmatched_allocation,
            "2",
            cat.TD_BEADJUST,
            f"AL{cycle.replace('-', '')}{reseller.indirect_partner_id[:8].upper()}X",
            reseller.indirect_partner_id,
            reseller.account_name,
        )

    def orphan(self, reseller: Reseller, cycle: str) -> Pending | None:
        """The scenario's usage expense in a reseller's account (12th, 11:11 Beijing) no bill explains."""
        picks = self._picks
        if not picks or picks.month != cycle or picks.orphan_reseller != reseller.indirect_partner_id:
            return None
        return Pending(
            beijing_moment(month_start(cycle) + timedelta(days=11), 11, 11, 11),
            1,
            picks.orphan_expense,
            "2",
            cat.TD_USAGE,
            f"TX{cycle.replace('-', '')}R{reseller.indirect_partner_id[:8].upper()}ORPHAN",
        )

    def allocation(
        self, reseller: Reseller, cycle: str, month_transactions: MonthTransactions
    ) -> Pending | None:
        """The allocation of the 1st: the reseller's opening DEBIT recharge, as the distributor's expense."""
        txs = month_transactions(reseller.indirect_partner_id, "BALANCE_TYPE_DEBIT", cycle)
        opening = txs[0] if txs else None
        if opening is None or opening.trade_detail_type != cat.TD_RECHARGE:
            return None
        return Pending(
            opening.trade_time,
            0,
            opening.change_amount,
            "2",
            cat.TD_BEADJUST,
            opening.trade_id,
            reseller.indirect_partner_id,
            reseller.account_name,
        )

    def changes(self, holder: str | None, cycle: str, month_transactions: MonthTransactions) -> list[Pending]:
        """The fund movements in one holder's DEBIT ledger of a month (besides the reseller's recharge,
        which its ledger books as the opening top-up)."""
        if holder is not None:
            reseller = next(r for r in self._resellers if r.indirect_partner_id == holder)
            reclaim = self.reclaim(reseller, cycle)
            own = [self.orphan(reseller, cycle)]
            if reclaim is not None:
                own.append(
                    Pending(
                        reclaim.trade_time,
                        1,
                        reclaim.amount,
                        "2",
                        reclaim.trade_detail_type,
                        reclaim.trade_id,
                    )
                )
            return [p for p in own if p is not None]
        out: list[Pending] = []
        for reseller in self._resellers:
            for item in (
                self.allocation(reseller, cycle, month_transactions),
                self.reclaim(reseller, cycle),
                self.unmatched(reseller, cycle),
            ):
                if item is not None:
                    out.append(item)
        return out
