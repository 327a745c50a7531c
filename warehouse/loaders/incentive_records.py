"""`billing.incentive_records`: one console export file (XLSX/CSV, zh or en headers) -> its incentive periods.

Incentives have no API: the partner exports them from the console. A file that cannot be read as the
contract says (missing or renamed required header) raises ValueError with the reason, so the inbox can move
it to `rejected/`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from schemas import incentive_records
from schemas.validation import RuleSettings
from warehouse.console_files import read_incentive_export
from warehouse.contract import LoadContext, LoadReport, StagedBatch, new_load_id, partition_set
from warehouse.parse import INDEX
from warehouse.replace import commit_batch
from warehouse.staging import Staging, stage_batches, staged_path, validated_batches


def stage_incentives(
    path: Path, stage_dir: Path, context: LoadContext, *, sha256: str | None = None
) -> StagedBatch:
    """Read, validate and stage one export; its partitions are the incentive periods it contains."""
    spec = incentive_records.SPEC
    export = read_incentive_export(Path(path), sha256)
    periods = sorted({p for p in export.frame.get_column("incentive_period").to_list() if p})
    parts = partition_set(spec, periods)
    staging = Staging()
    raws = export.raw_rows
    batches = validated_batches(
        [export.frame],
        spec,
        incentive_records.model(context.settings),
        incentive_records.S_RULES,
        parts,
        context,
        staging,
        stage_dir,
        raw_of=lambda row: raws[int(row[INDEX])],
    )
    rows = stage_batches(batches, staged_path(stage_dir, spec, context))
    staging.merge_drift(export.drift)
    return StagedBatch(spec=spec, parts=parts, context=context, rows=rows, **staging.batch_fields())


def commit_incentives(target: duckdb.DuckDBPyConnection | Path | str, batch: StagedBatch) -> LoadReport:
    """Replace the incentive periods of the file with its staged rows in one transaction."""
    return commit_batch(target, batch)


def load_incentives(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    sha256: str | None = None,
    run_id: str | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    load_id: str | None = None,
    work_dir: Path | None = None,
) -> LoadReport:
    """One console export -> replace the incentive periods it contains (stage, then commit)."""
    context = LoadContext(run_id, partner_domain_id, load_id or new_load_id(), settings or RuleSettings())
    with tempfile.TemporaryDirectory(prefix="pbw-stage-", dir=work_dir) as stage_dir:
        return commit_incentives(con, stage_incentives(path, Path(stage_dir), context, sha256=sha256))
