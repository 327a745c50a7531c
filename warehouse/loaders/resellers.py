"""A distributor's reseller data: resellers (+ history), balances, issued quotas, quota records, allocations.

Each dataset is small and read whole on every pull, so a load replaces all of the partner account's rows
(balances: the snapshot day's rows). Pages come grouped by the holder they were read for (None = the
distributor's own view); the holder becomes the rows' `indirect_partner_id`. All six commit in one
transaction, so a crash leaves the previous pull and a rerun gives the same tables.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from schemas import resellers
from schemas.columns import DatasetSpec
from warehouse.connection import registered, transaction, writer
from warehouse.contract import LoadContext, LoadReport, PartitionSet, StagedBatch, SweepEvidence, now_utc
from warehouse.parse import PageParser, date_from
from warehouse.replace import delete_partitions, insert_staged, keep_resellers_rows, write_audit
from warehouse.sqlfiles import sql
from warehouse.staging import Staging, stage_batches, staged_path, validated_batches

HolderPages = Iterable[tuple[str | None, Sequence[Path]]]
"""(holder the pages were read for, its page files): None = the distributor's own view."""


@dataclass(frozen=True, kw_only=True)
class ResellerBatches:
    """The staged batches of one pull of the reseller datasets, committed together."""

    batches: tuple[StagedBatch, ...]

    def discard(self) -> None:
        """Delete every staged file of an abandoned pull."""
        for batch in self.batches:
            batch.discard()


def _derived(spec: DatasetSpec, snapshot: date | None) -> dict[str, str]:
    names = {c.name for c in spec.columns if c.source == "derived"}
    derived: dict[str, str] = {}
    if "operation_date" in names:
        derived["operation_date"] = date_from("operation_time_utc")
    if "snapshot_date" in names:
        if snapshot is None:
            raise ValueError(f"{spec.name} needs the snapshot day (Beijing) it was read on")
        derived["snapshot_date"] = f"DATE '{snapshot.isoformat()}'"  # a date's ISO text only, never input
    return derived


def parts_of(spec: DatasetSpec, snapshot: date | None) -> PartitionSet:
    """What a pull replaces: the snapshot day of a balance dataset, else every row of the partner account."""
    if spec.partition_column == "snapshot_date" and snapshot is not None:
        return PartitionSet("snapshot_date", ranges=((snapshot, snapshot + timedelta(days=1)),))
    return PartitionSet(spec.partition_column, whole=True)


def stage_reseller_dataset(
    spec: DatasetSpec,
    pages: HolderPages,
    stage_dir: Path,
    context: LoadContext,
    *,
    snapshot: date | None = None,
    evidence: Sequence[SweepEvidence] = (),
) -> StagedBatch:
    """Parse and validate one reseller dataset's pages (grouped by holder) into `stage_dir`."""
    parts = parts_of(spec, snapshot)
    staging = Staging()
    derived = _derived(spec, snapshot)

    def frames() -> Iterator[pl.DataFrame]:
        for holder, paths in pages:
            request = {"indirect_partner_id": holder}
            with PageParser(
                spec, request=request, derived=derived, chunk_pages=context.chunk_pages
            ) as parser:
                for chunk in parser.parse(Path(p) for p in paths):
                    yield chunk.frame
                staging.merge_drift(parser.drift)

    batches = validated_batches(
        frames(), spec, resellers.model(spec, context.settings), (), parts, context, staging, stage_dir
    )
    rows = stage_batches(batches, staged_path(stage_dir, spec, context))
    return StagedBatch(spec=spec, parts=parts, context=context, rows=rows, **staging.batch_fields(evidence))


def _content_hash(row: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()


def _partner_history(con: duckdb.DuckDBPyConnection, batch: StagedBatch) -> None:
    """Close the history rows of resellers that changed or left; open rows for new or changed ones."""
    spec = batch.spec
    current = (
        pl.read_parquet(batch.rows.files)
        if batch.rows.path is not None
        else pl.DataFrame(schema=spec.polars_schema)
    )
    names = [c.name for c in spec.columns]
    hashed = current.with_columns(
        pl.Series("content_hash", [_content_hash(r) for r in current.select(names).to_dicts()], pl.String)
    )
    name = f"partners_{uuid.uuid4().hex}"
    with registered(con, name, hashed):
        params = {"partner": batch.context.partner, "stamp": now_utc()}
        con.execute(sql("close_indirect_partner_history").format(batch=name), params)
        con.execute(sql("insert_indirect_partner_history").format(batch=name), params)


def commit_reseller_batches(
    target: duckdb.DuckDBPyConnection | Path | str, pull: ResellerBatches
) -> list[LoadReport]:
    """Replace every dataset of the pull in one transaction (rows, quarantine, audit; reseller history)."""
    if not isinstance(target, duckdb.DuckDBPyConnection):
        with writer(target) as con:
            return commit_reseller_batches(con, pull)
    reports = []
    with transaction(target) as con:
        for batch in pull.batches:
            keep_resellers_rows(con, batch)
            delete_partitions(con, batch.spec.table, batch.parts, batch.context.partner)
            loaded = insert_staged(con, batch.spec.table, batch.rows)
            if batch.spec is resellers.INDIRECT_PARTNERS:
                _partner_history(con, batch)
            reports.append(write_audit(con, batch, loaded))
    return reports
