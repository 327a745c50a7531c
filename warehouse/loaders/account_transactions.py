"""`billing.account_transactions`: account change pages -> the trade_date (UTC+8) partitions, atomically.

The API does not repeat the balance type in its records: it is the request's, so pages come grouped by it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import duckdb
import polars as pl

from schemas import account_transactions
from schemas.validation import RuleSettings
from warehouse.contract import (
    LoadContext,
    LoadReport,
    Partition,
    StagedBatch,
    SweepEvidence,
    partition_set,
)
from warehouse.parse import DEFAULT_CHUNK_PAGES, PageParser, date_from
from warehouse.replace import commit_batch
from warehouse.staging import Staging, stage_batches, staged_path, staging_dir, validated_batches

BalanceTypePages = Iterable[tuple[str, Sequence[Path]] | tuple[str, Sequence[Path], str | None]]
"""(balance type of the request, its page files[, the reseller it was read for]), e.g. one per finished
sweep; without a reseller (or None) the pages are the partner's own account."""


def stage_account_transactions(
    pages: BalanceTypePages,
    partitions: Sequence[Partition],
    stage_dir: Path,
    context: LoadContext,
    *,
    evidence: Sequence[SweepEvidence] = (),
) -> StagedBatch:
    """Parse and validate account change pages into `stage_dir`; `pages` may be fed while sweeps run."""
    spec = account_transactions.SPEC
    parts = partition_set(spec, list(partitions))
    staging = Staging()

    def frames() -> Iterator[pl.DataFrame]:
        for item in pages:
            balance_type, paths = item[0], item[1]
            holder = item[2] if len(item) > 2 else None
            with PageParser(
                spec,
                request={"balance_type": balance_type, "indirect_partner_id": holder},
                derived={"trade_date": date_from("trade_time_utc")},
                chunk_pages=context.chunk_pages,
            ) as parser:
                for chunk in parser.parse(Path(p) for p in paths):
                    yield chunk.frame
                staging.merge_drift(parser.drift)

    batches = validated_batches(
        frames(),
        spec,
        account_transactions.model(context.settings),
        account_transactions.S_RULES,
        parts,
        context,
        staging,
        stage_dir,
    )
    rows = stage_batches(batches, staged_path(stage_dir, spec, context))
    return StagedBatch(spec=spec, parts=parts, context=context, rows=rows, **staging.batch_fields(evidence))


def commit_account_transactions(
    target: duckdb.DuckDBPyConnection | Path | str, batch: StagedBatch
) -> LoadReport:
    """Replace the trade-date partitions with the staged rows in one transaction."""
    return commit_batch(target, batch)


def load_account_transactions(
    con: duckdb.DuckDBPyConnection,
    pages: Mapping[str, Sequence[Path]],
    partitions: Sequence[Partition],
    *,
    run_id: str | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    load_id: str | None = None,
    chunk_pages: int = DEFAULT_CHUNK_PAGES,
    evidence: Sequence[SweepEvidence] = (),
    work_dir: Path | None = None,
) -> LoadReport:
    """Account change pages by balance type -> replace the trade_date partitions (stage, then commit)."""
    context = LoadContext.of(run_id, partner_domain_id, load_id, settings, chunk_pages)
    with staging_dir(work_dir) as stage_dir:
        batch = stage_account_transactions(
            pages.items(), partitions, stage_dir, context, evidence=evidence
        )
        return commit_account_transactions(con, batch)
