"""The distributor world's parts of one `World`: fund moves to and from resellers, the quotas issued to
them, customers' balances, and the `resellers` scenario's picks applied to the monthly sums."""

from __future__ import annotations

from collections.abc import Callable

from sandbox import reseller_scenarios
from sandbox.customer_balances import CustomerBalances
from sandbox.model import Pending, WorldConfig
from sandbox.population import Population
from sandbox.reseller_funds import ResellerFunds
from sandbox.reseller_picks import ResellerPicks
from sandbox.reseller_quotas import IssuedQuota, issued_quotas
from sandbox.scenarios import RESELLERS
from sandbox.visibility import Groups

__all__ = ["RESELLERS", "Distributor", "ResellerPicks"]


class Distributor:
    """What the distributor and its resellers hold beside fee records: funds, quotas, customer balances."""

    def __init__(
        self,
        config: WorldConfig,
        population: Population,
        picks: ResellerPicks | None,
        allocation: Callable[[str | None, str], Pending | None],
    ) -> None:
        self.picks = picks
        self.funds = ResellerFunds(config, population.resellers, picks)
        self.issued_quotas: list[IssuedQuota] = issued_quotas(config, population.resellers, picks)
        self.customer_balances = CustomerBalances(config, population, allocation)

    def adjust_sums(self, cycle: str, groups: Groups) -> None:
        """The scenario's bill delta on a reseller customer's monthly-sum row."""
        reseller_scenarios.adjust_sums(self.picks, cycle, groups)
