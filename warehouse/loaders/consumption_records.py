"""`billing.consumption_records`: fee record pages -> the bill_date partitions, replaced atomically.

The consume-sub-customers answer ({cycle: customer ids}) rides along and lands in
`audit.consumption_customers` in the same transaction: it is R5's evidence that no customer was missed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from schemas import consumption_records
from schemas.validation import RuleSettings
from warehouse.contract import (
    LoadContext,
    LoadReport,
    Partition,
    StagedBatch,
    SweepEvidence,
    partition_set,
)
from warehouse.parse import DEFAULT_CHUNK_PAGES, SOURCE, PageParser, date_from
from warehouse.replace import commit_batch, insert_arrow
from warehouse.sqlfiles import sql
from warehouse.staging import Staging, stage_batches, staged_path, staging_dir, validated_batches

_CONSUMERS_SCHEMA = {
    "bill_cycle": pl.String,
    "customer_id": pl.String,
    "load_id": pl.String,
    "partner_domain_id": pl.String,
}


@dataclass(frozen=True, kw_only=True)
class ConsumptionBatch(StagedBatch):
    """Staged fee records and the customers the API listed as consuming, per cycle."""

    consuming_customers: Mapping[str, Sequence[str]] = field(default_factory=dict)


def bill_date_source() -> str:
    """PBW_BILL_DATE_FROM: which UTC timestamp defines a fee record's bill_date (`trade_time` default)."""
    value = os.environ.get("PBW_BILL_DATE_FROM", "trade_time")
    if value not in ("trade_time", "consume_time"):
        raise ValueError(f"PBW_BILL_DATE_FROM must be trade_time or consume_time, not {value!r}")
    return value


def stage_consumption(
    pages: Iterable[Path],
    partitions: Sequence[Partition],
    stage_dir: Path,
    context: LoadContext,
    *,
    consuming_customers: Mapping[str, Sequence[str]] | None = None,
    bill_date_from: str | None = None,
    evidence: Sequence[SweepEvidence] = (),
    scope: tuple[str, Sequence[str]] | None = None,
    holders: Mapping[str, str] | None = None,
) -> ConsumptionBatch:
    """Parse and validate fee record pages into `stage_dir` (no warehouse connection needed).

    `pages` may be a stream fed while the API is still being swept; the sweep evidence, known only once the
    sweep finished, can be added to the batch afterwards (`dataclasses.replace`). `scope` (column, values)
    limits the load to those rows of the partitions (a re-sweep of some customers, `loaders.resweeps`).
    `holders` maps a page file (its path as text) to the reseller whose view it is; pages it does not name
    are the distributor's own (`indirect_partner_id` NULL). It may be filled while `pages` streams.
    """
    spec = consumption_records.SPEC
    parts = partition_set(spec, list(partitions))
    if scope is not None:
        parts = parts.scoped(*scope)
    source = bill_date_from or bill_date_source()
    staging = Staging()
    with PageParser(
        spec, derived={"bill_date": date_from(f"{source}_utc")}, chunk_pages=context.chunk_pages
    ) as parser:
        batches = validated_batches(
            (with_holder(chunk.frame, holders) for chunk in parser.parse_ahead(pages)),
            spec,
            consumption_records.model(context.settings),
            consumption_records.S_RULES,
            parts,
            context,
            staging,
            stage_dir,
        )
        rows = stage_batches(batches, staged_path(stage_dir, spec, context))
        staging.merge_drift(parser.drift)
    return ConsumptionBatch(
        spec=spec,
        parts=parts,
        context=context,
        rows=rows,
        consuming_customers={c: list(ids) for c, ids in (consuming_customers or {}).items()},
        **staging.batch_fields(evidence),
    )


def with_holder(frame: pl.DataFrame, holders: Mapping[str, str] | None) -> pl.DataFrame:
    """The reseller of each row from its page file (`_source`); NULL for the distributor's own pages."""
    if not holders:
        return frame
    return frame.with_columns(
        pl.col(SOURCE).replace_strict(dict(holders), default=None, return_dtype=pl.String)
        .alias("indirect_partner_id")
    )


def commit_consumption(target: duckdb.DuckDBPyConnection | Path | str, batch: ConsumptionBatch) -> LoadReport:
    """Commit staged fee records with the consume-sub-customers answer (R5's evidence) in one transaction."""
    context, consuming = batch.context, batch.consuming_customers

    def customers_evidence(con: duckdb.DuckDBPyConnection) -> None:
        if not consuming:
            return
        con.execute(
            sql("delete_consumption_customers"), {"partner": context.partner, "cycles": list(consuming)}
        )
        rows = [
            {
                "bill_cycle": cycle,
                "customer_id": cid,
                "load_id": context.load_id,
                "partner_domain_id": context.partner,
            }
            for cycle, ids in consuming.items()
            for cid in ids
        ]
        insert_arrow(con, "audit.consumption_customers", pl.DataFrame(rows, schema=_CONSUMERS_SCHEMA))

    return commit_batch(target, batch, customers_evidence)


def load_consumption(
    con: duckdb.DuckDBPyConnection,
    pages: Iterable[Path],
    partitions: Sequence[Partition],
    *,
    run_id: str | None = None,
    consuming_customers: Mapping[str, Sequence[str]] | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    bill_date_from: str | None = None,
    load_id: str | None = None,
    chunk_pages: int = DEFAULT_CHUNK_PAGES,
    evidence: Sequence[SweepEvidence] = (),
    work_dir: Path | None = None,
) -> LoadReport:
    """Fee record pages -> replace the bill_date partitions atomically (stage, then commit)."""
    context = LoadContext.of(run_id, partner_domain_id, load_id, settings, chunk_pages)
    with staging_dir(work_dir) as stage_dir:
        batch = stage_consumption(
            (Path(p) for p in pages),
            partitions,
            stage_dir,
            context,
            consuming_customers=consuming_customers,
            bill_date_from=bill_date_from,
            evidence=evidence,
        )
        return commit_consumption(con, batch)
