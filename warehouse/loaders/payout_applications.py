"""`billing.incentive_payout_applications`: one payout-applications console export -> the warehouse.

Like incentive details (loaders/incentive_records): a file is merged by application_no (a later export brings
an application's new status), a person replaces periods with `--replace`, and a merge that would lower a
loaded period (fewer applications, or less paid) is held. Unreadable files or files without a valid row raise
ExportFormatError (the inbox rejects them); bad rows go to quarantine.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from schemas import incentive_payouts
from schemas.validation import RuleSettings
from warehouse.contract import LoadContext, LoadReport, StagedBatch
from warehouse.loaders.incentive_records import (
    HeldExport,
    IncentiveLoad,
    LoadMode,
    MergeQueries,
    PeriodChange,
    commit_merged_export,
    stage_export,
)
from warehouse.payout_export import HeaderAliases, payout_spec, read_payout_export
from warehouse.staging import staging_dir


class HeldPayoutExport(HeldExport):
    """A merge would lower loaded payout periods; nothing was applied (the inbox holds the file)."""

    def __init__(self, changes: tuple[PeriodChange, ...]) -> None:
        super().__init__(changes)
        lowered = "; ".join(c.describe().replace("incentive", "paid") for c in changes if c.lowers)
        self.args = (
            f"the file would lower loaded payout periods ({lowered}). A console export may be filtered, so a "
            "merge never takes applications or paid money away from a period; if the file is a complete "
            "export of these periods, replace them with it",
        )

    def __str__(self) -> str:
        return str(self.args[0])


def stage_payouts(
    path: Path,
    stage_dir: Path,
    context: LoadContext,
    *,
    sha256: str | None = None,
    extra_headers: HeaderAliases | None = None,
) -> StagedBatch:
    """Read, validate and stage one payout export; its partitions are the valid periods it contains."""
    spec = payout_spec(extra_headers)
    export = read_payout_export(Path(path), sha256, extra_headers)
    model = incentive_payouts.model(context.settings)
    return stage_export(Path(path).name, export, spec, model, incentive_payouts.S_RULES, context, stage_dir)


PAYOUT_QUERIES = MergeQueries(
    "select_payout_periods_touched",
    "select_payout_period_totals",
    "delete_payout_ids",
    "delete_payout_quarantine",
)


def commit_payouts(
    target: duckdb.DuckDBPyConnection | Path | str, batch: StagedBatch, mode: LoadMode = "merge"
) -> IncentiveLoad:
    """Merge the staged applications by application_no (or replace the file's periods) in one transaction."""
    return commit_merged_export(target, batch, mode, PAYOUT_QUERIES, HeldPayoutExport)


def load_payouts(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    sha256: str | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    mode: LoadMode = "merge",
    extra_headers: HeaderAliases | None = None,
    work_dir: Path | None = None,
) -> LoadReport:
    """One payout export -> merged into (or, with `mode="replace"`, replacing) its periods."""
    context = LoadContext.of(None, partner_domain_id, None, settings)
    with staging_dir(work_dir) as stage_dir:
        batch = stage_payouts(path, stage_dir, context, sha256=sha256, extra_headers=extra_headers)
        return commit_payouts(con, batch, mode).report
