"""Typed Dagster resources, fed from the environment variables of ARCHITECTURE.md "Configuration".

Credentials never pass through here: the Partner Center client reads them from the environment
itself, so they cannot end up in Dagster run config, the UI or the event log.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from dagster import ConfigurableResource, get_dagster_logger

from pipelines.accounts import find_account
from warehouse.connection import say_on_stderr
from warehouse.publish import publishing_writer


class PipelineSettings(ConfigurableResource):
    """Knobs of the daily and monthly runs (defaults as documented in ARCHITECTURE.md)."""

    lookback_days: int = 3
    inbox: str = "data/inbox"
    reports: str = "reports"
    bill_final_day: int = 5
    max_quarantined_ratio: float = 0.01
    failure_log: str = "data/pipeline-failures.log"
    failure_webhook: str | None = None
    today: str | None = None
    price_book: str = "config/price_book.toml"
    issue_invoices: bool = False
    payout_headers: str = "config/payout_export.toml"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PipelineSettings:
        """Read `PBW_LOOKBACK_DAYS`, `PBW_INBOX`, `PBW_REPORTS`, `PBW_BILL_FINAL_DAY`, ... ."""
        e = os.environ if env is None else env
        return cls(
            lookback_days=int(e.get("PBW_LOOKBACK_DAYS", "3")),
            inbox=e.get("PBW_INBOX", "data/inbox"),
            reports=e.get("PBW_REPORTS", "reports"),
            bill_final_day=int(e.get("PBW_BILL_FINAL_DAY", "5")),
            max_quarantined_ratio=float(e.get("PBW_MAX_QUARANTINED_RATIO", "0.01")),
            failure_log=e.get("PBW_FAILURE_LOG", "data/pipeline-failures.log"),
            failure_webhook=e.get("PBW_FAILURE_WEBHOOK") or None,
            today=e.get("PBW_TODAY") or None,
            price_book=e.get("PBW_PRICE_BOOK", "config/price_book.toml"),
            issue_invoices=e.get("PBW_ISSUE_INVOICES", "0") == "1",
            payout_headers=e.get("PBW_PAYOUT_HEADERS", "config/payout_export.toml"),
        )

    def beijing_today(self) -> date:
        """Today in Beijing, or `PBW_TODAY` (replays and tests that move the sandbox clock)."""
        if self.today:
            return date.fromisoformat(self.today)
        return datetime.now(tz=ZoneInfo("Asia/Shanghai")).date()

    def clock_utc(self) -> datetime:
        """The moment documents and reports are stamped with (naive UTC): noon in Beijing of `PBW_TODAY` when
        the date is pinned, so a replayed close issues the same dates; else now."""
        if self.today:
            return datetime.combine(date.fromisoformat(self.today), time(4, 0))  # 12:00 Beijing
        return datetime.now(tz=UTC).replace(tzinfo=None)

    @property
    def price_book_path(self) -> Path:
        """The partner's price book; the shipped example when none was written yet."""
        path = Path(self.price_book)
        return path if path.exists() else Path("config/price_book.example.toml")

    @property
    def inbox_path(self) -> Path:
        """Inbox folder for console incentive exports."""
        return Path(self.inbox)


def tell_waiting(message: str) -> None:
    """A load waiting for the warehouse lock says so at once: in the run's log and on the terminal."""
    get_dagster_logger().warning(message)
    say_on_stderr(message)


class WarehouseResource(ConfigurableResource):
    """Where the DuckDB warehouse lives (`PBW_WAREHOUSE`); spool files go next to it."""

    path: str = "data/warehouse.duckdb"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WarehouseResource:
        """Read `PBW_WAREHOUSE`."""
        e = os.environ if env is None else env
        return cls(path=e.get("PBW_WAREHOUSE", "data/warehouse.duckdb"))

    @property
    def file(self) -> Path:
        """The DuckDB file as a Path."""
        return Path(self.path)

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A migrated writing connection for one load; steps holding it run in the `duckdb_writer` pool.

        After the block the published view follows the commit (`warehouse.publish`), on the same connection.
        """
        with publishing_writer(self.file, on_wait=tell_waiting) as con:
            yield con

    def spool_dir(self, run_id: str, dataset: str) -> Path:
        """Per-run spool folder for raw API pages, beside the warehouse file."""
        folder = self.file.parent / "spool" / run_id / dataset
        folder.mkdir(parents=True, exist_ok=True)
        return folder


class PartnerCenterResource(ConfigurableResource):
    """Non-secret overrides of the client settings; `None` keeps what the environment says.

    `account` names an account of `PBW_ACCOUNTS` (run config of per-account schedules and `--account`): its
    endpoint, domain id and the credentials read from the variables it names replace the SDK variables.
    """

    endpoint: str | None = None
    rate_limit: float | None = None
    concurrency: int | None = None
    account: str | None = None

    def overrides(self) -> dict[str, str]:
        """Environment-style overrides to apply on top of `os.environ` for the client."""
        out: dict[str, str] = find_account(self.account).environment() if self.account else {}
        if self.endpoint:
            out["PBW_ENDPOINT"] = self.endpoint
        if self.rate_limit is not None:
            out["PBW_RATE_LIMIT"] = str(self.rate_limit)
        if self.concurrency is not None:
            out["PBW_CONCURRENCY"] = str(self.concurrency)
        return out


def resources_from_env() -> dict[str, ConfigurableResource]:
    """The resources of the code location, as the environment configures them."""
    return {
        "settings": PipelineSettings.from_env(),
        "warehouse": WarehouseResource.from_env(),
        "partner_center": PartnerCenterResource(),
    }
