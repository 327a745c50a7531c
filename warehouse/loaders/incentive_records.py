"""`billing.incentive_records`: one console export file (XLSX/CSV, zh or en headers) -> the warehouse.

Console exports can be partial (the console filters by plan, customer, status), so a file is merged by
incentive_data_id: its valid rows are inserted or take the place of the loaded rows with the same id, and rows
it does not mention stay. Only a person replaces periods with a file (`mode="replace"`, i.e.
`pbw load inbox --replace FILE`). A merge that would lower a loaded period (fewer rows, because an id moved to
another period, or a smaller incentive total) is not applied: the transaction rolls back and `HeldExport`
names the periods. A file that cannot be read as the contract says, or without one valid row, raises
`ExportFormatError` with the reason, so the inbox can move it to `rejected/`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

import duckdb
import pandera.polars as pa_pl

from schemas import incentive_records
from schemas.columns import DatasetSpec
from schemas.incentive_records import is_period
from schemas.validation import RuleSettings, SRule
from warehouse.connection import transaction, writer
from warehouse.console_files import ExportFormatError, IncentiveExport, read_incentive_export
from warehouse.contract import LoadContext, LoadReport, StagedBatch, partition_set
from warehouse.parse import INDEX
from warehouse.replace import delete_partitions, insert_staged, write_audit
from warehouse.sqlfiles import sql
from warehouse.staging import Staging, stage_batches, staged_path, staging_dir, validated_batches

LoadMode = Literal["merge", "replace"]


def money(value: Decimal) -> str:
    """An amount for a message: exact, at least two decimals, no trailing zeros beyond them."""
    exact = value.normalize()
    exponent = exact.as_tuple().exponent
    fine = isinstance(exponent, int) and exponent < -2
    return format(exact if fine else value.quantize(Decimal("0.01")), "f")


@dataclass(frozen=True)
class PeriodChange:
    """A loaded period before and after a file: rows and incentive total (CNY)."""

    period: str
    rows_before: int
    total_before: Decimal
    rows_after: int
    total_after: Decimal

    @property
    def lowers(self) -> bool:
        """The file would take rows or money away from the period."""
        return self.rows_after < self.rows_before or self.total_after < self.total_before

    def describe(self) -> str:
        """`2026-11: 71 -> 3 rows, incentive 1234.56 -> 50.00 CNY`."""
        return (
            f"{self.period}: {self.rows_before} -> {self.rows_after} rows, "
            f"incentive {money(self.total_before)} -> {money(self.total_after)} CNY"
        )


@dataclass(frozen=True)
class IncentiveLoad:
    """What loading one export did: the commit's report, how it was applied, and each period it touched."""

    report: LoadReport
    mode: LoadMode
    changes: tuple[PeriodChange, ...]


class HeldExport(Exception):
    """A merge would lower loaded periods; nothing was applied (the inbox moves the file to `held/`)."""

    def __init__(self, changes: tuple[PeriodChange, ...]) -> None:
        self.changes = changes
        lowered = "; ".join(c.describe() for c in changes if c.lowers)
        super().__init__(
            f"the file would lower loaded incentive periods ({lowered}). A console export may be filtered, "
            "so a merge never takes rows or money away from a period; if the file is a complete export of "
            "these periods, replace them with it"
        )


def _reasons_summary(batch: StagedBatch) -> str:
    counts: Counter[str] = Counter()
    for record in batch.quarantine:
        counts.update(set(_reasons(record.reasons)))
    return "; ".join(f"{n}x {reason}" for reason, n in counts.most_common(3))


def _reasons(text: str) -> list[str]:
    return [str(r) for r in json.loads(text)]


def stage_incentives(
    path: Path, stage_dir: Path, context: LoadContext, *, sha256: str | None = None
) -> StagedBatch:
    """Read, validate and stage one export; its partitions are the valid incentive periods it contains.

    Raises ExportFormatError when the file has no data row or not one valid row (nothing to load).
    """
    spec = incentive_records.SPEC
    export = read_incentive_export(Path(path), sha256)
    model = incentive_records.model(context.settings)
    return stage_export(Path(path).name, export, spec, model, incentive_records.S_RULES, context, stage_dir)


def stage_export(
    name: str,
    export: IncentiveExport,
    spec: DatasetSpec,
    model: type[pa_pl.DataFrameModel],
    s_rules: Sequence[SRule],
    context: LoadContext,
    stage_dir: Path,
) -> StagedBatch:
    """Validate and stage one parsed console export (incentive details or payout applications); its
    partitions are the valid periods it contains. ExportFormatError: no data row, or not one valid."""
    if export.frame.height == 0:
        raise ExportFormatError(f"{name}: the export has no data rows; export it again")
    periods = sorted({p for p in export.frame.get_column("incentive_period").to_list() if is_period(p)})
    parts = partition_set(spec, periods)
    staging = Staging()
    raws = export.raw_rows
    batches = validated_batches(
        [export.frame], spec, model, s_rules, parts, context, staging, stage_dir,
        raw_of=lambda row: raws[int(row[INDEX])],
    )
    rows = stage_batches(batches, staged_path(stage_dir, spec, context))
    staging.merge_drift(export.drift)
    batch = StagedBatch(spec=spec, parts=parts, context=context, rows=rows, **staging.batch_fields())
    if rows.rows == 0:
        batch.discard()
        raise ExportFormatError(
            f"{name}: none of its {batch.rows_in} rows is valid ({_reasons_summary(batch)}); "
            "nothing was loaded"
        )
    return batch


@dataclass(frozen=True, slots=True)
class MergeQueries:
    """The SQL files of one console export merged by its own id (incentive details, payout applications)."""

    periods_touched: str
    period_totals: str
    delete_ids: str
    delete_quarantine: str


INCENTIVE_QUERIES = MergeQueries(
    "select_incentive_periods_touched",
    "select_incentive_period_totals",
    "delete_incentive_ids",
    "delete_incentive_quarantine",
)


def _period_totals(
    con: duckdb.DuckDBPyConnection, query: str, partner: str, periods: list[str]
) -> dict[str, tuple[int, Decimal]]:
    rows = con.execute(sql(query), {"partner": partner, "periods": periods})
    return {str(p): (int(n), Decimal(total)) for p, n, total in rows.fetchall()}


def commit_incentives(
    target: duckdb.DuckDBPyConnection | Path | str, batch: StagedBatch, mode: LoadMode = "merge"
) -> IncentiveLoad:
    """Merge the staged rows by incentive_data_id (or replace the file's periods) in one transaction.

    A merge that lowers a loaded period raises HeldExport and leaves the warehouse as it was.
    """
    return commit_merged_export(target, batch, mode, INCENTIVE_QUERIES, HeldExport)


def commit_merged_export(
    target: duckdb.DuckDBPyConnection | Path | str,
    batch: StagedBatch,
    mode: LoadMode,
    queries: MergeQueries,
    held: type[HeldExport],
) -> IncentiveLoad:
    """Merge a staged console export by its id (or replace the file's periods) in one transaction; a merge
    that lowers a loaded period raises `held` and leaves the warehouse as it was."""
    if not isinstance(target, duckdb.DuckDBPyConnection):
        with writer(target) as con:
            return commit_merged_export(con, batch, mode, queries, held)
    if batch.rows.path is None:
        raise ExportFormatError("the export has no valid rows to load")
    spec, partner = batch.spec, batch.context.partner
    staged = {"partner": partner, "path": batch.rows.files}
    with transaction(target) as con:
        touched = {str(r[0]) for r in con.execute(sql(queries.periods_touched), staged).fetchall()}
        periods = sorted(touched | set(batch.parts.keys))
        before = _period_totals(con, queries.period_totals, partner, periods)
        con.execute(sql(queries.delete_ids), staged)
        if mode == "replace":
            delete_partitions(con, spec.table, batch.parts, partner)
        loaded = insert_staged(con, spec.table, batch.rows)
        after = _period_totals(con, queries.period_totals, partner, periods)
        zero = (0, Decimal(0))
        changes = tuple(PeriodChange(p, *before.get(p, zero), *after.get(p, zero)) for p in periods)
        if mode == "merge" and any(c.lowers for c in changes):
            raise held(changes)
        if mode == "merge":
            con.execute(
                sql(queries.delete_quarantine),
                {
                    **staged,
                    "dataset": spec.name,
                    "keys": [q.record_key for q in batch.quarantine if q.record_key is not None],
                    "raws": [q.raw_record for q in batch.quarantine if q.record_key is None],
                },
            )
        report = write_audit(con, batch, loaded, clear_quarantine=mode == "replace")
    return IncentiveLoad(report, mode, changes)


def load_incentives(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    sha256: str | None = None,
    run_id: str | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    load_id: str | None = None,
    mode: LoadMode = "merge",
    work_dir: Path | None = None,
) -> LoadReport:
    """One console export -> merged into (or, with `mode="replace"`, replacing) its incentive periods."""
    context = LoadContext.of(run_id, partner_domain_id, load_id, settings)
    with staging_dir(work_dir) as stage_dir:
        batch = stage_incentives(path, stage_dir, context, sha256=sha256)
        return commit_incentives(con, batch, mode).report
