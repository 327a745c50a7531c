"""Run the real asset jobs in-process against a sandbox into a temporary warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dagster import DagsterInstance, Definitions, ExecuteInProcessResult

from pipelines.commands import PlannedRun, RunOutcome, execute, plan_backfill, plan_daily
from pipelines.definitions import defs
from pipelines.partitions import range_tags
from pipelines.resources import PartnerCenterResource, PipelineSettings, WarehouseResource
from sandbox.server import RunningSandbox
from warehouse.connection import reader

BILLING_TABLES = (
    "billing.customers",
    "billing.customers_history",
    "billing.consumption_records",
    "billing.monthly_bills",
    "billing.monthly_bill_account_details",
    "billing.monthly_bills_history",
    "billing.account_transactions",
    "billing.incentive_records",
    "billing.indirect_partners",
    "billing.reseller_balances",
    "billing.customer_balances",
    "billing.issued_coupon_quotas",
    "billing.coupon_quota_records",
    "billing.adjust_records",
)
VOLATILE = ("load_id",)


@dataclass
class Harness:
    """Definitions wired to one sandbox, one warehouse file and one Dagster instance."""

    box: RunningSandbox
    tmp: Path
    lookback_days: int = 3
    today: str | None = None

    def __post_init__(self) -> None:
        self.warehouse = self.tmp / "warehouse.duckdb"
        self.inbox = self.tmp / "inbox"
        # artifacts under tmp: without a directory the instance makes a TemporaryDirectory that only the
        # garbage collector would remove (a ResourceWarning)
        self.instance = DagsterInstance.ephemeral(tempdir=str(self.tmp / "dagster"))

    def definitions(self) -> Definitions:
        resources: dict[str, Any] = {
            "settings": PipelineSettings(lookback_days=self.lookback_days, inbox=str(self.inbox),
                                         today=self.today, failure_log=str(self.tmp / "failures.log")),
            "warehouse": WarehouseResource(path=str(self.warehouse)),
            "partner_center": PartnerCenterResource(endpoint=self.box.url),
        }
        return Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=defs.jobs,
                           resources=resources)

    def run(self, runs: list[PlannedRun]) -> list[RunOutcome]:
        d = self.definitions()
        outcomes = [execute(d, self.instance, r, "test") for r in runs]
        assert all(o.ok for o in outcomes), [o.run for o in outcomes if not o.ok]
        return outcomes

    def execute_raw(self, run: PlannedRun) -> ExecuteInProcessResult:
        """One run, returning Dagster's result (check evaluations, metadata)."""
        job = self.definitions().resolve_job_def(run.job)
        return job.execute_in_process(instance=self.instance, tags=range_tags(run.first, run.last),
                                      raise_on_error=False)

    def backfill(self, begin: date, end: date, datasets: tuple[str, ...] | None = None) -> list[RunOutcome]:
        names = datasets or ("customers", "consumption_records", "account_transactions", "monthly_bills")
        return self.run(plan_backfill(begin, end, names))

    def daily(self, day: date, jobs: tuple[str, ...] = ("daily_job", "bills_job")) -> list[RunOutcome]:
        return self.run([r for r in plan_daily(day, self.lookback_days) if r.job in jobs])

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with reader(self.warehouse) as con:
            return con.execute(sql, params or []).fetchall()

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every billing table's rows without load ids and pull times, sorted: equal = unchanged."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        with reader(self.warehouse) as con:
            for table in BILLING_TABLES:
                cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in VOLATILE]
                out[table] = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
        return out
