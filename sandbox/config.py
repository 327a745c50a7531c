"""How one sandbox is set up: everything `pbw sandbox serve` accepts, as one frozen value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from partner_center.sandbox_credentials import SANDBOX_DOMAIN_ID
from sandbox.faults import FaultPlan
from sandbox.model import WorldConfig
from sandbox.record_cache import DEFAULT_CACHE_RECORDS
from sandbox.scenarios import parse_scenarios
from sandbox.world import World


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """Server and world settings; `rate_limit` None turns throttling off, `today` None = real Beijing date.

    `cache_records` bounds the generated fee records kept in memory (about 1.2 KB each; not part of the
    world, only of its speed); `warm` lists months generated and pre-serialized before serving starts.
    `ak_lockout` (off by default so one test's bad signatures cannot lock the shared demo AK) locks an AK
    for 5 minutes after 5 consecutive signature failures, as the real gateway does. `partner_keys` are more
    AK/SK pairs of the demo partner's IAM users (same domain): they share its rate limit (spec §5).
    `resellers` x `customers_per_reseller` customers belong to resellers; `movers` (at most 3, and at most
    the number of resellers) more change hands every month (see `sandbox.associations`); 0 keeps every
    customer with one holder.
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 42
    customers: int = 30
    rate_limit: float | None = 10.0
    faults: str = ""
    scenario: str = ""
    today: date | None = None
    records_per_day: int = 8
    late_share: float = 0.05
    timeout_delay: float = 5.0
    first_day: date = field(default=date(2025, 6, 1))
    scenario_month: str | None = None
    ak_lockout: bool = False
    cache_records: int = DEFAULT_CACHE_RECORDS
    warm: tuple[str, ...] = ()
    partner_keys: tuple[tuple[str, str], ...] = ()
    resellers: int = 3
    customers_per_reseller: int = 3
    movers: int = 0
    domain_id: str = SANDBOX_DOMAIN_ID
    """The partner account this Partner Center serves (a second sandbox plays a second account)."""

    def world_config(self) -> WorldConfig:
        return WorldConfig(
            seed=self.seed,
            customers=self.customers,
            records_per_day=self.records_per_day,
            late_share=self.late_share,
            first_day=self.first_day,
            resellers=self.resellers,
            customers_per_reseller=self.customers_per_reseller,
            movers=self.movers,
            scenarios=parse_scenarios(self.scenario),
            scenario_month=self.scenario_month,
            domain_id=self.domain_id,
        )

    def build_world(self) -> World:
        return World(self.world_config(), today=self.today, cache_records=self.cache_records)

    def fault_plan(self) -> FaultPlan:
        return FaultPlan.parse(self.faults, self.seed)
