"""Streaming validation into Parquet staging: typed frames in, validated rows out, the rest quarantined.

Frames are validated chunk by chunk and written by polars to Parquet parts, duplicate keys tracked across
chunks in a private DuckDB file (the key ledger), so memory stays bounded by the chunk size, not the load's
size. No warehouse connection is needed: staging runs in the fetch step while later pages download.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandera.polars as pa_pl
import polars as pl

from schemas.columns import DatasetSpec
from schemas.validation import SRule, split_valid
from warehouse.connection import registered
from warehouse.contract import (
    LoadContext,
    PartitionSet,
    QuarantinedRecord,
    StagedRows,
    SweepEvidence,
    now_utc,
)
from warehouse.parse import INDEX, SOURCE, load_page, raw_record
from warehouse.sqlfiles import sql

RawOf = Callable[[Mapping[str, Any]], Any]

def ident(table: str) -> str:
    """A (schema-qualified) table or column name quoted for SQL."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))


@dataclass
class Quarantine:
    """Quarantine records collected while batches stream (inserted in the commit's transaction)."""

    rows: list[QuarantinedRecord] = field(default_factory=list)

    def add(
        self, dataset: str, partition_key: str | None, record_key: str | None, reasons: list[str], raw: Any
    ) -> None:
        """One rejected record with all its reasons and the raw record."""
        self.rows.append(
            QuarantinedRecord(
                dataset=dataset,
                partition_key=partition_key,
                record_key=record_key,
                reasons=json.dumps(reasons, ensure_ascii=False),
                raw_record=json.dumps(raw, ensure_ascii=False, default=str),
            )
        )


@dataclass
class LoadLog:
    """What staging counts for the audit.load_log row: records in, and when the load started."""

    rows_in: int = 0
    started_at_utc: datetime = field(default_factory=now_utc)


@dataclass
class Staging:
    """The accumulators of one staging pass; `batch_fields` freezes them for a `StagedBatch`."""

    quarantine: Quarantine = field(default_factory=Quarantine)
    log: LoadLog = field(default_factory=LoadLog)
    drift: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)

    def merge_drift(self, found: Mapping[str, str]) -> None:
        """Keep the first sample of every unknown field."""
        self.drift.update({k: v for k, v in found.items() if k not in self.drift})

    def batch_fields(self, evidence: Sequence[SweepEvidence] = ()) -> dict[str, Any]:
        """Keyword arguments of a StagedBatch for what was counted."""
        return {
            "rows_in": self.log.rows_in,
            "quarantine": tuple(self.quarantine.rows),
            "drift": dict(self.drift),
            "warnings": dict(self.warnings),
            "evidence": tuple(evidence),
            "started_at_utc": self.log.started_at_utc,
        }


def stage_batches(batches: Iterable[pl.DataFrame], path: Path) -> StagedRows:
    """Write the batches as they stream, one Parquet part file each in the folder `path`, each batch released
    once written.

    DuckDB keeps memory for every row appended inside an open transaction by separate INSERTs (about the
    row's width, whatever the memory limit), but one INSERT ... SELECT from files streams. So the rows are
    staged on disk first and the transaction inserts them in a single statement. Parquet keeps DECIMAL exact.
    Polars writes the parts itself (no pyarrow in the run; no statistics: the parts are always read whole).
    """
    if path.exists():
        raise FileExistsError(f"{path} is staged already: two loads would share one staged folder")
    schema: pl.Schema | None = None
    rows = 0
    for batch in batches:
        if batch.height == 0:
            continue
        if schema is None:
            schema = batch.schema
            path.mkdir(parents=True)
        elif batch.schema != schema:
            batch = batch.cast(schema)
        batch.write_parquet(path / f"part-{rows:012d}.parquet", compression="snappy", statistics=False)
        rows += batch.height
        del batch
    return StagedRows(path if schema is not None else None, rows)


def finish_frame(frame: pl.DataFrame, spec: DatasetSpec, context: LoadContext) -> pl.DataFrame:
    """Rows as the table stores them: load columns added, helper columns dropped."""
    names = [c.name for c in spec.all_columns]
    return frame.with_columns(
        pl.lit(context.partner).alias("partner_domain_id"), pl.lit(context.load_id).alias("load_id")
    ).select(names)


def record_key(row: Mapping[str, Any], key: Sequence[str]) -> str | None:
    """The record's key as text (None when every key value is missing). Trailing missing values are left
    out, so a key that grew a holder column (`indirect_partner_id`, NULL = the partner's own) reads as before
    for the partner's own rows."""
    values = [row.get(k) for k in key]
    while values and values[-1] is None:
        values.pop()
    return "|".join("" if v is None else str(v) for v in values) if values else None


def quarantine_frame(
    bad: pl.DataFrame, spec: DatasetSpec, parts: PartitionSet, quarantine: Quarantine, raw_of: RawOf
) -> None:
    """Quarantine every row of `bad` under its own partition (or the load's span when it has none)."""
    labels = parts.labels
    for row in bad.to_dicts():
        value = row.get(spec.partition_column)
        key = str(value) if value is not None and str(value) in labels else parts.span_label
        quarantine.add(spec.name, key, record_key(row, spec.key), list(row["_reasons"]), raw_of(row))


class RawCache:
    """Raw records of quarantined rows, read back from their page file (one page kept at a time)."""

    def __init__(self, spec: DatasetSpec) -> None:
        self.spec = spec
        self._path: str | None = None
        self._records: list[Any] = []

    def __call__(self, row: Mapping[str, Any]) -> Any:
        source = row.get(SOURCE)
        if source is None:
            return {k: v for k, v in row.items() if not k.startswith("_")}
        if source != self._path:
            self._records = load_page(Path(source)).get(self.spec.records_field) or []
            self._path = source
        index = int(row[INDEX])
        return (
            self._records[index] if index < len(self._records) else raw_record(self.spec, Path(source), index)
        )


LEDGER_CONFIG: dict[str, str | bool | int | float | list[str]] = {"memory_limit": "24MB", "threads": "1"}


MAX_RUN = 2**20
"""Keys per sorted run of `HashRuns` (8 MB of hashes)."""


class HashRuns:
    """64-bit hashes of the keys seen so far, as sorted runs merged like an LSM tree: a lookup is a binary
    search per run (about log2(n) runs), an insert a sort of the chunk plus merges of amortised O(log n)
    per key. 8 bytes per key (40 MB at 5M keys) instead of the ledger's anti-join over every key seen."""

    def __init__(self) -> None:
        self.runs: list[pl.Series] = []

    def hits(self, hashes: pl.Series) -> pl.Series:
        """True where the hash is in some run (a candidate duplicate, to be confirmed on the exact keys)."""
        found = pl.Series("hit", [False] * hashes.len(), dtype=pl.Boolean)
        for run in self.runs:
            at = run.search_sorted(hashes).clip(upper_bound=run.len() - 1)
            found = found | (run.gather(at) == hashes)
        return found

    def add(self, hashes: pl.Series) -> None:
        """Record a chunk's hashes; merge the last runs while the newer is at least half the older, up to
        MAX_RUN keys per run: a merge holds both runs and the result at once (at 5M keys an unbounded merge
        took ~120 MB for a moment; capped, 5M keys are five 8 MB runs and a merge costs at most 24 MB)."""
        self.runs.append(hashes.sort())
        while (
            len(self.runs) > 1
            and self.runs[-2].len() <= 2 * self.runs[-1].len()
            and self.runs[-2].len() + self.runs[-1].len() <= MAX_RUN
        ):
            newer = self.runs.pop()
            self.runs[-1] = pl.concat([self.runs[-1], newer]).sort()


class DuckKeyLedger:
    """Keys of a load's earlier chunks in a private DuckDB file: duplicate detection across chunks whose
    memory stays bounded (a Python set of 1M keys costs about 90 MB and grows with the load).

    Every chunk's keys are appended to the file; a 64-bit hash of each key is kept in memory (`HashRuns`),
    and only rows whose hash was seen before are looked up exactly in the file. So a chunk costs an append
    and a few binary searches, not a join over every key seen so far (which made 5M records quadratic).

    The file lives in a folder under `work_dir` (the caller's staging folder, e.g. a run's spool), so a
    killed process leaves it where the caller's clean-up finds it, never in the system temp dir."""

    def __init__(self, key: Sequence[str], work_dir: Path) -> None:
        work_dir.mkdir(parents=True, exist_ok=True)
        self._dir = tempfile.TemporaryDirectory(prefix="pbw-keys-", dir=work_dir)
        self.con = duckdb.connect(str(Path(self._dir.name) / "keys.duckdb"), config=LEDGER_CONFIG)
        self._cols = ", ".join(ident(k) for k in key)
        self._created = False
        self._hashes = HashRuns()

    def seen_before(self, keys: pl.DataFrame) -> pl.Series:
        """True for rows whose key an earlier chunk had; then records this chunk's keys."""
        name = f"chunk_{uuid.uuid4().hex}"
        hashes = keys.hash_rows()
        candidates = self._hashes.hits(hashes)
        indexed = keys.with_row_index("_row")
        rows: list[int] = []
        with registered(self.con, name, indexed) as con:
            if not self._created:
                con.execute(sql("create_seen_keys").format(cols=self._cols, chunk=name))
                self._created = True
            if candidates.any():
                probe = f"probe_{name}"
                with registered(con, probe, indexed.filter(candidates)):
                    found = con.execute(sql("select_seen_rows").format(cols=self._cols, chunk=probe))
                    rows = [r[0] for r in found.fetchall()]
            con.execute(sql("insert_seen_keys").format(cols=self._cols, chunk=name))
        self._hashes.add(hashes)
        mask = pl.Series("seen", [False] * keys.height, dtype=pl.Boolean)
        return mask.scatter(rows, True) if rows else mask

    def close(self) -> None:
        """Drop the ledger file."""
        self.con.close()
        self._dir.cleanup()


def validated_batches(
    frames: Iterable[pl.DataFrame],
    spec: DatasetSpec,
    model: type[pa_pl.DataFrameModel],
    s_rules: Sequence[SRule],
    parts: PartitionSet,
    context: LoadContext,
    staging: Staging,
    work_dir: Path,
    raw_of: RawOf | None = None,
) -> Iterator[pl.DataFrame]:
    """Validate typed frames; yield rows to load, quarantine the rest (incl. rows outside the partitions).

    The duplicate-key ledger is kept in a folder under `work_dir` (the load's staging folder)."""
    names = [r.name for r in s_rules]
    raw = raw_of or RawCache(spec)
    seen = DuckKeyLedger(spec.key, work_dir)
    warnings = staging.warnings
    try:
        for typed in frames:
            staging.log.rows_in += typed.height
            frame = typed.with_columns(
                pl.lit(context.partner).alias("partner_domain_id"), pl.lit(context.load_id).alias("load_id")
            )
            result = split_valid(frame, model, spec.key, context.settings, names, seen)
            for rule, count in result.warnings.items():
                warnings[rule] = warnings.get(rule, 0) + count
            good = result.good
            inside = good.select(parts.contains()).to_series()
            outside = good.filter(~inside)
            if outside.height:
                label = ", ".join(parts.labels[:3]) + (" ..." if len(parts.labels) > 3 else "")
                reason = f"{spec.partition_column} outside the partitions being loaded ({label})"
                outside = outside.with_columns(
                    pl.col(spec.partition_column)
                    .cast(pl.String)
                    # the default binds this loop's reason (B023); mypy cannot infer a lambda with a default
                    .map_elements(lambda v, r=reason: [f"{r}: {v}"], return_dtype=pl.List(pl.String))  # type: ignore[misc]
                    .alias("_reasons")
                )
                quarantine_frame(outside, spec, parts, staging.quarantine, raw)
            quarantine_frame(result.bad, spec, parts, staging.quarantine, raw)
            yield finish_frame(good.filter(inside) if outside.height else good, spec, context)
    finally:
        seen.close()


def staged_path(stage_dir: Path, spec: DatasetSpec, context: LoadContext, part: str = "") -> Path:
    """Where a load's staged rows go: one folder of Parquet parts (`stage_batches`) or one Parquet file per
    dataset, load and (optionally) part."""
    suffix = f"-{part}" if part else ""
    return stage_dir / f"{spec.name}-{context.load_id}{suffix}"


@contextmanager
def staging_dir(work_dir: Path | None = None) -> Iterator[Path]:
    """A temporary folder for one load's staged files, under `work_dir` (a run's spool) when given."""
    with tempfile.TemporaryDirectory(prefix="pbw-stage-", dir=work_dir) as folder:
        yield Path(folder)
