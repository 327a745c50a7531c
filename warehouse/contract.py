"""The fetch -> load hand-off, typed: who a load is for, what a fetch step staged, what a commit reported.

A dataset's fetch step parses, validates and stages its pages while later pages download; its load step only
commits. Between the two steps Dagster pickles a `StagedBatch`, so it holds plain data: paths, counts,
quarantined records, drift, and the API's sweep evidence as the warehouse stores it (no client classes).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

import polars as pl

from schemas.columns import DatasetSpec
from schemas.validation import RuleSettings
from warehouse.parse import DEFAULT_CHUNK_PAGES

if TYPE_CHECKING:
    import duckdb

UNKNOWN_PARTNER = "default"
"""Partner account of a load whose caller named none (a warehouse of one account)."""

Partition = str | tuple[date, date]


def now_utc() -> datetime:
    """Naive UTC now (the warehouse's *_utc convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_load_id() -> str:
    """A unique load id."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class SweepEvidence:
    """One API sweep as `audit.api_sweeps` stores it (R5's input); pipelines fill it from a client sweep."""

    dataset: str
    endpoint_label: str
    params: Mapping[str, object]
    api_count: int
    fetched: int
    duplicates: int
    calls: int
    throttled: int
    resweeps: int
    started_at_utc: datetime | None
    finished_at_utc: datetime | None


@dataclass(frozen=True)
class LoadContext:
    """Who and what a load is for: run and load ids, the partner account, rule settings, chunking."""

    run_id: str | None = None
    partner_domain_id: str | None = None
    load_id: str = field(default_factory=new_load_id)
    settings: RuleSettings = field(default_factory=RuleSettings)
    chunk_pages: int = DEFAULT_CHUNK_PAGES
    holders: bool = True
    """False when the load swept only the distributor's own view (`PBW_RESELLERS=off`): it then brings no
    reseller's rows, so it must not replace partitions that hold some (`replace.keep_resellers_rows`)."""

    @property
    def partner(self) -> str:
        """The partner account every row of the load carries (`default` when none was named)."""
        return self.partner_domain_id or UNKNOWN_PARTNER

    @classmethod
    def of(
        cls, run_id: str | None, partner_domain_id: str | None, load_id: str | None = None,
        settings: RuleSettings | None = None, chunk_pages: int = DEFAULT_CHUNK_PAGES,
    ) -> LoadContext:
        """From the optional arguments of the one-call `load_*` helpers: None means the default."""
        return cls(run_id, partner_domain_id, load_id or new_load_id(), settings or RuleSettings(),
                   chunk_pages)


@dataclass(frozen=True)
class PartitionSet:
    """Partitions being replaced: half-open date ranges [start, end) or month keys, with their labels."""

    column: str
    ranges: tuple[tuple[date, date], ...] = ()
    keys: tuple[str, ...] = ()
    whole: bool = False
    scope_column: str | None = None
    """When set, only the rows whose `scope_column` is one of `scope_values` are replaced (e.g. the customers
    of a re-sweep), so a reload of some customers' days leaves the other customers' rows alone."""
    scope_values: tuple[str, ...] = ()

    def scoped(self, column: str, values: Sequence[str]) -> PartitionSet:
        """These partitions, limited to the rows whose `column` is one of `values` (date ranges only)."""
        if not self.ranges or self.keys or self.whole:
            raise ValueError("only date-range partitions can be limited to some values of a column")
        return replace(self, scope_column=column, scope_values=tuple(sorted(set(values))))

    @property
    def labels(self) -> list[str]:
        """Partition keys as text: every day of the ranges, or the month keys."""
        days = [
            (start + timedelta(days=i)).isoformat()
            for start, end in self.ranges
            for i in range((end - start).days)
        ]
        return days + list(self.keys) + (["*"] if self.whole else [])

    @property
    def span_label(self) -> str:
        """Partition key of quarantined rows whose own partition is unknown (e.g. a bad date)."""
        labels = self.labels
        return f"{labels[0]}..{labels[-1]}" if labels else "-"

    def contains(self) -> pl.Expr:
        """Polars expression: the row's partition value is one being replaced."""
        if self.whole:
            return pl.lit(True)
        col = pl.col(self.column)
        if self.ranges:
            inside = pl.lit(False)
            for start, end in self.ranges:
                inside = inside | ((col >= start) & (col < end))
            if self.scope_column is not None:
                inside = inside & pl.col(self.scope_column).cast(pl.String).is_in(list(self.scope_values))
            return inside.fill_null(False)
        return col.is_in(list(self.keys)).fill_null(False)


def partition_set(spec: DatasetSpec, partitions: list[Partition] | tuple[Partition, ...]) -> PartitionSet:
    """Normalize daily keys ('YYYY-MM-DD'), [start, end) date tuples or month keys into merged ranges/keys."""
    if spec.partition_kind == "month":
        return PartitionSet(spec.partition_column, keys=tuple(sorted({str(p) for p in partitions})))
    spans: list[tuple[date, date]] = []
    for p in partitions:
        if isinstance(p, tuple):
            start, end = p
        else:
            start = date.fromisoformat(str(p))
            end = start + timedelta(days=1)
        if end <= start:
            raise ValueError(f"empty partition range [{start}, {end})")
        spans.append((start, end))
    merged: list[tuple[date, date]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return PartitionSet(spec.partition_column, ranges=tuple(merged))


@dataclass(frozen=True)
class QuarantinedRecord:
    """One rejected record with every reason (JSON text) and the raw record as sent (JSON text)."""

    dataset: str
    partition_key: str | None
    record_key: str | None
    reasons: str
    raw_record: str


@dataclass(frozen=True)
class StagedRows:
    """Validated rows spooled to a folder of Parquet parts (None when there were none) and their count."""

    path: Path | None
    rows: int

    @property
    def files(self) -> str:
        """The parts as one glob for `read_parquet` (DuckDB, polars); reads them in the order written. A
        single file (a batch staged before parts, handed to a newer load step) is read as it is."""
        if self.path is None:
            raise ValueError("no rows were staged")
        return str(self.path) if self.path.is_file() else str(self.path / "*.parquet")

    def remove(self) -> None:
        """Delete the staged parts (or the single staged file)."""
        if self.path is not None and self.path.is_file():
            self.path.unlink()
        elif self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)


@dataclass(frozen=True, kw_only=True)
class StagedBatch:
    """A load parsed, validated and staged to Parquet, waiting for its transaction (pickled between steps).

    Staging needs no warehouse lock, so it runs while the API is still being swept; only the commit holds
    the writer. Datasets with side tables extend it (`warehouse.loaders.*`).
    """

    spec: DatasetSpec
    parts: PartitionSet
    context: LoadContext
    rows: StagedRows
    rows_in: int = 0
    quarantine: tuple[QuarantinedRecord, ...] = ()
    drift: Mapping[str, str] = field(default_factory=dict)
    warnings: Mapping[str, int] = field(default_factory=dict)
    evidence: tuple[SweepEvidence, ...] = ()
    started_at_utc: datetime = field(default_factory=now_utc)

    def discard(self) -> None:
        """Delete the staged rows of an abandoned load (after a commit the spool folder goes as a whole)."""
        self.rows.remove()


@dataclass(frozen=True)
class LoadReport:
    """What a commit did: rows in, loaded and quarantined, amount totals, rule warnings, drift, versions."""

    load_id: str
    dataset: str
    partitions: list[str]
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    amount_totals: Mapping[str, Decimal]
    warnings: Mapping[str, int]
    drift: list[str]
    restated_cycles: list[str] = field(default_factory=list)
    new_versions: Mapping[str, int] = field(default_factory=dict)
    resweeps_requested: Mapping[str, int] = field(default_factory=dict)
    """Per cycle, how many customers' fee records a changed bill asked to re-sweep (monthly bills only)."""


Batch_contra = TypeVar("Batch_contra", bound=StagedBatch, contravariant=True)


class Loader(Protocol[Batch_contra]):
    """A dataset's commit: one transaction that makes a staged batch the warehouse's contents."""

    def __call__(self, con: duckdb.DuckDBPyConnection, batch: Batch_contra, /) -> LoadReport: ...
