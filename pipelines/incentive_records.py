"""`billing.incentive_records`: console incentive exports (no API), one file per run.

Not partitioned in Dagster (a file may span several incentive periods; the warehouse replaces the
periods it contains). Trigger: `incentive_inbox_sensor`, one run per new file content (SHA-256).
Retry policy: none; a file that cannot be loaded is moved to `rejected/` with the reason.
"""

import shutil
from pathlib import Path

from dagster import AssetExecutionContext, Failure, MaterializeResult, asset

from pipelines import inbox
from pipelines.fetching import console_partner_domain_id, materialization_metadata
from pipelines.resources import PipelineSettings, WarehouseResource
from warehouse.contract import LoadContext
from warehouse.loaders.incentive_records import commit_incentives, stage_incentives


@asset(pool="duckdb_writer", group_name="billing", kinds={"duckdb"}, description=__doc__)
def incentive_records(
    context: AssetExecutionContext, config: inbox.IncentiveFile, warehouse: WarehouseResource,
    settings: PipelineSettings,
) -> MaterializeResult:
    """Parse, validate and stage one export, then commit it and archive it; a broken file goes to `rejected/`.

    The file is staged (in the run's spool folder) before the writer connection opens, so the warehouse file
    is locked only to commit.
    """
    item = inbox.InboxFile(Path(config.path), config.sha256)
    load = LoadContext(run_id=context.run.run_id, partner_domain_id=console_partner_domain_id())
    stage_dir = warehouse.spool_dir(context.run.run_id, "incentive_records")
    try:
        batch = stage_incentives(item.path, stage_dir, load, sha256=item.sha256)
        with warehouse.writer() as con:
            report = commit_incentives(con, batch)
    except (ValueError, OSError) as exc:
        moved = inbox.reject(settings.inbox_path, item, f"{type(exc).__name__}: {exc}")
        raise Failure(f"{item.path.name} rejected: {exc}", metadata={"moved_to": str(moved)}) from exc
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)
    archived = inbox.archive(settings.inbox_path, item)
    metadata = materialization_metadata(None, report)
    return MaterializeResult(metadata={**metadata, "file": item.path.name, "sha256": item.sha256,
                                       "archived_to": str(archived)})
