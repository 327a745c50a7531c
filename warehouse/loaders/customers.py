"""`billing.customers` (current) and `billing.customers_history` (a type-2 history of attribute changes).

The list is small and always pulled whole, so the load replaces every customer of the partner account; each
row's content hash, computed while staging, decides which history rows close and open at commit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from schemas import customers
from schemas.validation import RuleSettings
from warehouse.connection import registered
from warehouse.contract import (
    LoadContext,
    LoadReport,
    PartitionSet,
    StagedBatch,
    SweepEvidence,
    now_utc,
)
from warehouse.parse import PageParser
from warehouse.replace import commit_batch, delete_partitions, insert_staged, keep_resellers_rows, write_audit
from warehouse.sqlfiles import sql
from warehouse.staging import Staging, stage_batches, staged_path, staging_dir, validated_batches


@dataclass(frozen=True, kw_only=True)
class CustomersBatch(StagedBatch):
    """Staged current customers and, beside them, the same rows with their content hash for the history."""

    history: Path
    balances: StagedBatch | None = None
    """The customers' balances read beside the list (`billing.customer_balances`), committed with it."""

    def discard(self) -> None:
        """Delete both staged files."""
        super().discard()
        self.history.unlink(missing_ok=True)
        if self.balances is not None:
            self.balances.discard()


def _row_hash(row: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()


def stage_customers(
    pages: Sequence[Path],
    stage_dir: Path,
    context: LoadContext,
    *,
    indirect_partner_id: str | None = None,
    evidence: Sequence[SweepEvidence] = (),
    by_holder: Sequence[tuple[str | None, Sequence[Path]]] = (),
) -> CustomersBatch:
    """Parse and validate the customer list into `stage_dir`, with a content hash per customer.

    `by_holder` adds the lists read for each reseller ((indirect_partner_id, pages)): a distributor's
    customers are its own list plus each reseller's, and a customer that changes hands gets a new history row.
    """
    spec = customers.SPEC
    parts = PartitionSet(spec.partition_column, whole=True)
    staging = Staging()
    frames: list[pl.DataFrame] = []
    for holder, paths in [(indirect_partner_id, pages), *by_holder]:
        request = {"indirect_partner_id": holder}
        with PageParser(spec, request=request, chunk_pages=context.chunk_pages) as parser:
            frames.extend(chunk.frame for chunk in parser.parse(Path(p) for p in paths))
            staging.merge_drift(parser.drift)
    model = customers.model(context.settings)
    good = list(validated_batches(frames, spec, model, (), parts, context, staging, stage_dir))
    current = pl.concat(good) if good else pl.DataFrame(schema=spec.polars_schema)
    hashed = current.with_columns(
        pl.struct([c.name for c in spec.columns])
        .map_elements(_row_hash, return_dtype=pl.String)
        .alias("content_hash")
        if current.height
        else pl.lit(None, pl.String).alias("content_hash")
    )
    history = staged_path(stage_dir, spec, context, "history")
    hashed.write_parquet(history)
    rows = stage_batches([current], staged_path(stage_dir, spec, context))
    return CustomersBatch(
        spec=spec, parts=parts, context=context, rows=rows, history=history, **staging.batch_fields(evidence)
    )


def commit_customers(target: duckdb.DuckDBPyConnection | Path | str, batch: CustomersBatch) -> LoadReport:
    """Replace the current customers; close changed history rows and open new ones, in one transaction."""
    partner = batch.context.partner

    def history(con: duckdb.DuckDBPyConnection) -> None:
        name = f"customers_{uuid.uuid4().hex}"
        with registered(con, name, pl.read_parquet(batch.history)):
            params = {"partner": partner, "stamp": now_utc()}
            con.execute(sql("close_customer_history").format(batch=name), params)
            con.execute(sql("insert_customer_history").format(batch=name), params)
        if batch.balances is not None:
            balances = batch.balances
            keep_resellers_rows(con, balances)
            delete_partitions(con, balances.spec.table, balances.parts, balances.context.partner)
            write_audit(con, balances, insert_staged(con, balances.spec.table, balances.rows))

    return commit_batch(target, batch, history)


def load_customers(
    con: duckdb.DuckDBPyConnection,
    pages: Sequence[Path],
    *,
    run_id: str | None = None,
    indirect_partner_id: str | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    load_id: str | None = None,
    evidence: Sequence[SweepEvidence] = (),
    work_dir: Path | None = None,
) -> LoadReport:
    """The full customer list -> billing.customers (current) and its history (stage, then commit)."""
    context = LoadContext.of(run_id, partner_domain_id, load_id, settings)
    with staging_dir(work_dir) as stage_dir:
        batch = stage_customers(
            pages, stage_dir, context, indirect_partner_id=indirect_partner_id, evidence=evidence
        )
        return commit_customers(con, batch)
