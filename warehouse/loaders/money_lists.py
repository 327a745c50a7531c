"""The lists that explain money (schemas.money_lists): coupons issued to customers and their records,
customer orders, refund orders, measurement units. Each is small and pulled whole, so a load replaces every
row of the partner account in one transaction; a rerun gives the same table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import duckdb
import polars as pl

from schemas import money_lists
from schemas.validation import RuleSettings
from warehouse.contract import LoadContext, LoadReport, PartitionSet, StagedBatch, SweepEvidence
from warehouse.parse import PageParser
from warehouse.replace import commit_batch
from warehouse.staging import Staging, stage_batches, staged_path, staging_dir, validated_batches

SPECS = {spec.name: spec for spec in money_lists.SPECS}
RequestPages = Iterable[tuple[Mapping[str, str | None], Sequence[Path]]]
"""(the request's columns, e.g. {"order_id": ...} for refund orders, its page files)."""


def stage_money_list(
    dataset: str,
    pages: RequestPages,
    stage_dir: Path,
    context: LoadContext,
    *,
    keys: Sequence[str] | None = None,
    evidence: Sequence[SweepEvidence] = (),
) -> StagedBatch:
    """Parse and validate one list's pages into `stage_dir`: the whole list of the partner account, or only
    the rows whose partition column is one of `keys` (refund orders: the orders asked for)."""
    spec = SPECS[dataset]
    whole = keys is None
    parts = PartitionSet(
        spec.partition_column, keys=() if whole else tuple(sorted(set(keys or ()))), whole=whole
    )
    staging = Staging()
    request_columns = [c.name for c in spec.columns if c.source == "request"]

    def frames() -> Iterator[pl.DataFrame]:
        for request, paths in pages:
            values = {name: request.get(name) for name in request_columns}
            with PageParser(spec, request=values, chunk_pages=context.chunk_pages) as parser:
                for chunk in parser.parse(Path(p) for p in paths):
                    yield chunk.frame
                staging.merge_drift(parser.drift)

    model = money_lists.model(dataset, context.settings)
    batches = validated_batches(frames(), spec, model, (), parts, context, staging, stage_dir)
    rows = stage_batches(batches, staged_path(stage_dir, spec, context))
    return StagedBatch(spec=spec, parts=parts, context=context, rows=rows, **staging.batch_fields(evidence))


def commit_money_list(target: duckdb.DuckDBPyConnection | Path | str, batch: StagedBatch) -> LoadReport:
    """Replace the partner account's rows of the list with the staged ones in one transaction."""
    return commit_batch(target, batch)


def load_money_list(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    pages: RequestPages,
    *,
    run_id: str | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    evidence: Sequence[SweepEvidence] = (),
    work_dir: Path | None = None,
) -> LoadReport:
    """One list's pages -> its table (stage, then commit)."""
    context = LoadContext.of(run_id, partner_domain_id, None, settings)
    with staging_dir(work_dir) as stage_dir:
        batch = stage_money_list(dataset, pages, stage_dir, context, evidence=evidence)
        return commit_money_list(con, batch)
