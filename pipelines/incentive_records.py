"""`billing.incentive_records`: console incentive exports (no API), one file per run.

Not partitioned in Dagster (a file may span several incentive periods). Trigger: `incentive_inbox_sensor`,
one run per new file content (SHA-256), or `pbw load inbox`. Each file ends in one outcome (see
pipelines/inbox.py): loaded (merged by incentive_data_id; with `pbw load inbox --replace FILE` replacing its
periods), held (a merge would lower a loaded period: a person decides) or rejected (unreadable, or no valid
row). Held and rejected runs fail with the reason, so the failure sensor alerts someone.
The same inbox takes the payout-applications export (激励申付 > 申请记录): a file whose headers name
the payout columns (plus the aliases of `PBW_PAYOUT_HEADERS`) loads billing.incentive_payout_applications
instead, merged by application_no, with the same outcomes (metadata `dataset` says which table).
Retry policy: none; a failure that is not the file's (e.g. the warehouse is locked) leaves it in the inbox.
"""

import shutil
from pathlib import Path

from dagster import AssetExecutionContext, Failure, MaterializeResult, asset

from pipelines import inbox
from pipelines.fetching import console_partner_domain_id, materialization_metadata
from pipelines.resources import PipelineSettings, WarehouseResource
from warehouse.contract import LoadContext, StagedBatch
from warehouse.loaders.incentive_records import (
    HeldExport,
    IncentiveLoad,
    LoadMode,
    commit_incentives,
    stage_incentives,
)
from warehouse.loaders.payout_applications import commit_payouts, stage_payouts
from warehouse.payout_export import is_payout_export, read_header_aliases


def _set_aside(outcome: inbox.Outcome, item: inbox.InboxFile, moved: Path, reason: str) -> Failure:
    """The run's failure for a file not loaded: one line naming the cause; the outcome in metadata."""
    return Failure(
        f"{item.path.name} {outcome}: {reason.splitlines()[0]}",
        metadata={"outcome": outcome, "moved_to": str(moved), "reason": reason},
    )


@asset(pool="duckdb_writer", group_name="billing", kinds={"duckdb"}, description=__doc__)
def incentive_records(
    context: AssetExecutionContext, config: inbox.IncentiveFile, warehouse: WarehouseResource,
    settings: PipelineSettings,
) -> MaterializeResult:
    """Parse, validate and stage one export, then merge (or replace) and archive it; else hold or reject it.

    The file is staged (in the run's spool folder) before the writer connection opens, so the warehouse file
    is locked only to commit.
    """
    item = inbox.InboxFile(Path(config.path), config.sha256)
    folder = settings.inbox_path
    load = LoadContext(run_id=context.run.run_id, partner_domain_id=console_partner_domain_id())
    stage_dir = warehouse.spool_dir(context.run.run_id, "incentive_records")
    dataset = "incentive_records"
    try:
        try:
            aliases = read_header_aliases(Path(settings.payout_headers))
            batch: StagedBatch
            if is_payout_export(item.path, aliases):
                dataset = "incentive_payout_applications"
                batch = stage_payouts(item.path, stage_dir, load, sha256=item.sha256, extra_headers=aliases)
            else:
                batch = stage_incentives(item.path, stage_dir, load, sha256=item.sha256)
        except ValueError as exc:  # ExportFormatError, EncodingRefused: the file's content is the cause
            reason = f"{exc}"
            raise _set_aside("rejected", item, inbox.reject(folder, item, reason), reason) from exc
        try:
            mode: LoadMode = "replace" if config.replace else "merge"
            commit = commit_payouts if dataset == "incentive_payout_applications" else commit_incentives
            with warehouse.writer() as con:
                done: IncentiveLoad = commit(con, batch, mode)
        except HeldExport as exc:
            moved = inbox.hold(folder, item, f"{item.path.name}: {exc}")
            raise _set_aside("held", item, moved, moved.with_name(moved.name + inbox.REASON_SUFFIX)
                             .read_text(encoding="utf-8")) from exc
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)
    archived = inbox.archive(folder, item)
    changes = "; ".join(c.describe() for c in done.changes)
    metadata = materialization_metadata(None, done.report)
    return MaterializeResult(metadata={**metadata, "file": item.path.name, "sha256": item.sha256,
                                       "outcome": "loaded", "dataset": dataset, "mode": done.mode,
                                       "periods": changes, "archived_to": str(archived)})
