"""Loading: parse -> validate -> replace partitions atomically, bad rows to quarantine, evidence to audit.

One transaction per load: BEGIN; DELETE the partitions (of this partner account); INSERT the staged rows;
INSERT quarantine, schema drift, API sweeps and the load-log row; COMMIT. A crash at any point leaves the
previous contents; rerunning the same load converges to the same contents. Batches are streamed (parsed and
validated chunk by chunk, written from Arrow to a Parquet staging file, duplicate keys tracked in a DuckDB
file), then inserted in one statement, so memory stays bounded by the chunk size, not the load's size.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandera.polars as pa_pl
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from schemas import account_transactions, consumption_records, customers, incentive_records, monthly_bills
from schemas.columns import DatasetSpec
from schemas.validation import RuleSettings, SRule, split_valid
from warehouse.connection import writer
from warehouse.parse import (
    DEFAULT_CHUNK_PAGES,
    INDEX,
    SOURCE,
    PageParser,
    check_required,
    date_from,
    load_page,
    raw_record,
)
from warehouse.sqlfiles import sql

DEFAULT_DOMAIN_ENV = "HUAWEICLOUD_SDK_DOMAIN_ID"
UNKNOWN_PARTNER = "default"


class SweepLike(Protocol):
    """What the loaders read from a client sweep (partner_center.paging.Sweep satisfies it)."""

    endpoint: str
    params: dict[str, object]
    page_files: list[Path]
    api_count: int
    fetched: int
    duplicates: list[str]
    calls: int
    throttled: int
    resweeps: int
    started_at_utc: datetime
    finished_at_utc: datetime


Pages = Sequence[SweepLike | Path]
Partition = str | tuple[date, date]


def now_utc() -> datetime:
    """Naive UTC now (the warehouse's *_utc convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_load_id() -> str:
    """A unique load id."""
    return uuid.uuid4().hex


def partner_domain(explicit: str | None) -> str:
    """The partner account of a load: explicit, else HUAWEICLOUD_SDK_DOMAIN_ID, else 'default'."""
    return explicit or os.environ.get(DEFAULT_DOMAIN_ENV) or UNKNOWN_PARTNER


@dataclass
class LoadResult(Mapping[str, Any]):
    """What a load did; also readable as a mapping (`result["rows_loaded"]`) for Dagster metadata."""

    load_id: str
    dataset: str
    partitions: list[str]
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    amount_totals: dict[str, Decimal] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)
    drift: list[str] = field(default_factory=list)
    restated_cycles: list[str] = field(default_factory=list)
    new_versions: dict[str, int] = field(default_factory=dict)

    def _asdict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def __getitem__(self, key: str) -> Any:
        return self._asdict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)


@dataclass
class LoadContext:
    """Who and what a load is for: ids, partner account, rule settings, API evidence."""

    run_id: str | None = None
    partner_domain_id: str | None = None
    load_id: str = field(default_factory=new_load_id)
    settings: RuleSettings = field(default_factory=RuleSettings)
    sweeps: Sequence[SweepLike] = ()
    chunk_pages: int = DEFAULT_CHUNK_PAGES

    @property
    def partner(self) -> str:
        """The resolved partner domain id."""
        return partner_domain(self.partner_domain_id)


# ---------------------------------------------------------------------------------------------------------
# partitions


@dataclass(frozen=True)
class PartitionSet:
    """Partitions being replaced: half-open date ranges [start, end) or month keys, with their labels."""

    column: str
    ranges: tuple[tuple[date, date], ...] = ()
    keys: tuple[str, ...] = ()
    whole: bool = False

    @property
    def labels(self) -> list[str]:
        """Partition keys as text: every day of the ranges, or the month keys."""
        days = [
            (start + timedelta(days=i)).isoformat()
            for start, end in self.ranges
            for i in range((end - start).days)
        ]
        return days + list(self.keys) + (["*"] if self.whole else [])

    def contains(self) -> pl.Expr:
        """Polars expression: the row's partition value is one being replaced."""
        if self.whole:
            return pl.lit(True)
        col = pl.col(self.column)
        if self.ranges:
            inside = pl.lit(False)
            for start, end in self.ranges:
                inside = inside | ((col >= start) & (col < end))
            return inside.fill_null(False)
        return col.is_in(list(self.keys)).fill_null(False)


def partition_set(spec: DatasetSpec, partitions: Sequence[Partition]) -> PartitionSet:
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


# ---------------------------------------------------------------------------------------------------------
# the atomic replace


@dataclass
class Quarantine:
    """Quarantine rows collected while batches stream (inserted in the same transaction)."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, dataset: str, partition_key: str | None, record_key: str | None, reasons: list[str], raw: Any
    ) -> None:
        """One rejected record with all its reasons and the raw record."""
        self.rows.append(
            {
                "dataset": dataset,
                "partition_key": partition_key,
                "record_key": record_key,
                "reasons": json.dumps(reasons, ensure_ascii=False),
                "raw_record": json.dumps(raw, ensure_ascii=False, default=str),
            }
        )


@dataclass
class LoadLog:
    """Inputs of the audit.load_log row that only the caller knows."""

    rows_in: int = 0
    api_calls: int | None = None
    throttled: int | None = None
    started_at_utc: datetime = field(default_factory=now_utc)


def _ident(table: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))


def _as_arrow(batch: pa.Table | pl.DataFrame) -> pa.Table:
    return batch.to_arrow() if isinstance(batch, pl.DataFrame) else batch


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, batch: pa.Table | pl.DataFrame) -> int:
    """INSERT a batch by column name through Arrow (never executemany); returns the rows inserted."""
    arrow = _as_arrow(batch)
    if arrow.num_rows == 0:
        return 0
    name = f"batch_{uuid.uuid4().hex}"
    con.register(name, arrow)
    try:
        con.execute(sql("insert_batch").format(table=_ident(table), batch=name))
    finally:
        con.unregister(name)
    return arrow.num_rows


def delete_partitions(con: duckdb.DuckDBPyConnection, table: str, parts: PartitionSet, partner: str) -> None:
    """DELETE the partitions of one partner account from `table` (half-open ranges or keys)."""
    ident = _ident(table)
    column = '"' + parts.column + '"'
    if parts.whole:
        con.execute(sql("delete_partner_rows").format(table=ident), {"partner": partner})
    for start, end in parts.ranges:
        con.execute(
            sql("delete_partition_range").format(table=ident, column=column),
            {"partner": partner, "start": start, "end": end},
        )
    if parts.keys:
        con.execute(
            sql("delete_partition_keys").format(table=ident, column=column),
            {"partner": partner, "keys": list(parts.keys)},
        )


def _amount_totals(con: duckdb.DuckDBPyConnection, spec: DatasetSpec, load_id: str) -> dict[str, Decimal]:
    money = spec.money_columns
    if not money:
        return {}
    sums = ", ".join(f'coalesce(sum("{c}"), 0)' for c in money)
    rows = con.execute(
        sql("select_load_totals").format(sums=sums, table=_ident(spec.table)), {"load_id": load_id}
    ).fetchall()
    values = rows[0] if rows else ()
    return {c: Decimal(v) for c, v in zip(money, values, strict=True)}


def _sweep_rows(
    dataset: str, load_id: str, partner: str, sweeps: Sequence[SweepLike]
) -> list[dict[str, Any]]:
    return [
        {
            "load_id": load_id,
            "dataset": dataset,
            "endpoint": s.endpoint,
            "params": json.dumps(s.params, ensure_ascii=False, default=str, sort_keys=True),
            "api_count": s.api_count,
            "fetched": s.fetched,
            "duplicates": len(s.duplicates),
            "calls": s.calls,
            "throttled": s.throttled,
            "resweeps": s.resweeps,
            "started_at_utc": s.started_at_utc.replace(tzinfo=None) if s.started_at_utc else None,
            "finished_at_utc": s.finished_at_utc.replace(tzinfo=None) if s.finished_at_utc else None,
            "partner_domain_id": partner,
        }
        for s in sweeps
    ]


_SWEEP_SCHEMA = pa.schema(
    [
        ("load_id", pa.string()),
        ("dataset", pa.string()),
        ("endpoint", pa.string()),
        ("params", pa.string()),
        ("api_count", pa.int64()),
        ("fetched", pa.int64()),
        ("duplicates", pa.int64()),
        ("calls", pa.int64()),
        ("throttled", pa.int64()),
        ("resweeps", pa.int64()),
        ("started_at_utc", pa.timestamp("us")),
        ("finished_at_utc", pa.timestamp("us")),
        ("partner_domain_id", pa.string()),
    ]
)
_QUARANTINE_SCHEMA = pa.schema(
    [
        ("load_id", pa.string()),
        ("dataset", pa.string()),
        ("partition_key", pa.string()),
        ("record_key", pa.string()),
        ("reasons", pa.string()),
        ("raw_record", pa.string()),
        ("quarantined_at_utc", pa.timestamp("us")),
        ("partner_domain_id", pa.string()),
    ]
)


def write_audit(
    con: duckdb.DuckDBPyConnection,
    spec: DatasetSpec,
    context: LoadContext,
    parts: PartitionSet,
    quarantine: Quarantine,
    drift: Mapping[str, str],
    log: LoadLog,
    rows_loaded: int,
) -> LoadResult:
    """Quarantine, drift, sweeps and the load-log row of a load (inside the caller's transaction)."""
    stamp = now_utc()
    partner = context.partner
    con.execute(
        sql("delete_quarantine_partitions"),
        {"dataset": spec.name, "partner": partner, "keys": [*parts.labels, _span_label(parts)]},
    )
    q_rows = [
        {**row, "load_id": context.load_id, "quarantined_at_utc": stamp, "partner_domain_id": partner}
        for row in quarantine.rows
    ]
    insert_arrow(con, "audit.quarantine", pa.Table.from_pylist(q_rows, schema=_QUARANTINE_SCHEMA))
    for name, sample in sorted(drift.items()):
        con.execute(
            sql("insert_schema_drift"),
            {
                "dataset": spec.name,
                "field": name,
                "first_seen_utc": stamp,
                "sample": sample,
                "load_id": context.load_id,
            },
        )
    sweeps = _sweep_rows(spec.name, context.load_id, partner, context.sweeps)
    insert_arrow(con, "audit.api_sweeps", pa.Table.from_pylist(sweeps, schema=_SWEEP_SCHEMA))
    totals = _amount_totals(con, spec, context.load_id)
    calls = log.api_calls if log.api_calls is not None else sum(s.calls for s in context.sweeps)
    throttled = log.throttled if log.throttled is not None else sum(s.throttled for s in context.sweeps)
    con.execute(
        sql("insert_load_log"),
        {
            "load_id": context.load_id,
            "run_id": context.run_id,
            "dataset": spec.name,
            "partitions": parts.labels,
            "rows_in": log.rows_in,
            "rows_loaded": rows_loaded,
            "rows_quarantined": len(quarantine.rows),
            "amount_totals": json.dumps({k: format(v, "f") for k, v in totals.items()}),
            "api_calls": calls,
            "throttled": throttled,
            "started_at_utc": log.started_at_utc,
            "finished_at_utc": now_utc(),
            "partner_domain_id": partner,
        },
    )
    return LoadResult(
        load_id=context.load_id,
        dataset=spec.name,
        partitions=parts.labels,
        rows_in=log.rows_in,
        rows_loaded=rows_loaded,
        rows_quarantined=len(quarantine.rows),
        amount_totals=totals,
        drift=sorted(drift),
    )


def _span_label(parts: PartitionSet) -> str:
    """Partition key of quarantined rows whose own partition is unknown (e.g. a bad date)."""
    labels = parts.labels
    return f"{labels[0]}..{labels[-1]}" if labels else "-"


def replace_partitions(
    target: duckdb.DuckDBPyConnection | Path | str,
    spec: DatasetSpec,
    partitions: Sequence[Partition] | PartitionSet,
    batches: Iterable[pa.Table | pl.DataFrame],
    context: LoadContext,
    quarantine: Quarantine | None = None,
    log: LoadLog | None = None,
    drift: Mapping[str, str] | None = None,
    after_insert: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> LoadResult:
    """Replace `partitions` of `spec.table` with `batches` (validated rows) in one transaction.

    `batches` may be a generator that fills `quarantine`, `log.rows_in` and `drift` as it streams; they are
    read after the batches are exhausted. `after_insert` runs inside the transaction (e.g. side tables).
    `target` is an open writer connection or a warehouse path (then a writer is opened for this load).
    """
    parts = partitions if isinstance(partitions, PartitionSet) else partition_set(spec, partitions)
    with tempfile.TemporaryDirectory(prefix="pbw-stage-") as stage_dir:
        load = StagedLoad(spec, parts, context, Staged(None, 0), quarantine or Quarantine(), log or LoadLog())
        load.staged = stage_batches(batches, Path(stage_dir) / "rows.parquet")
        load.drift = dict(drift or {})
        return commit_staged(target, load, after_insert)


@dataclass
class StagedLoad:
    """A load parsed, validated and staged to Parquet, waiting for its transaction.

    Staging needs no warehouse lock, so it runs while the API is still being swept; only `commit_staged`
    holds the writer. Plain data (paths, rows, counts): it pickles between a fetch step and a load step.
    """

    spec: DatasetSpec
    parts: PartitionSet
    context: LoadContext
    staged: Staged
    quarantine: Quarantine = field(default_factory=Quarantine)
    log: LoadLog = field(default_factory=LoadLog)
    drift: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)

    def discard(self) -> None:
        """Delete the staged rows of an abandoned load (after a commit the spool folder goes as a whole)."""
        if self.staged.path is not None:
            self.staged.path.unlink(missing_ok=True)


def commit_staged(
    target: duckdb.DuckDBPyConnection | Path | str,
    load: StagedLoad,
    after_insert: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> LoadResult:
    """BEGIN; DELETE the partitions; INSERT the staged rows; side tables; audit; COMMIT (else ROLLBACK)."""
    if not isinstance(target, duckdb.DuckDBPyConnection):
        with writer(target) as con:
            return commit_staged(con, load, after_insert)
    con, spec = target, load.spec
    con.execute("BEGIN TRANSACTION")
    try:
        delete_partitions(con, spec.table, load.parts, load.context.partner)
        loaded = insert_staged(con, spec.table, load.staged)
        if after_insert is not None:
            after_insert(con)
        result = write_audit(
            con, spec, load.context, load.parts, load.quarantine, load.drift, load.log, loaded
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    result.warnings = dict(load.warnings)
    return result


@dataclass(frozen=True)
class Staged:
    """Validated rows of a load spooled to one Parquet file (None when there were none) and their count."""

    path: Path | None
    rows: int


def stage_batches(batches: Iterable[pa.Table | pl.DataFrame], path: Path) -> Staged:
    """Write the batches to one Parquet file as they stream, each batch released once written.

    DuckDB keeps memory for every row appended inside an open transaction by separate INSERTs (about the
    row's width, whatever the memory limit), but one INSERT ... SELECT from a file streams. So the rows are
    staged on disk first and the transaction inserts them in a single statement. Parquet keeps DECIMAL exact.
    """
    out: pq.ParquetWriter | None = None
    rows = 0
    try:
        for batch in batches:
            arrow = _as_arrow(batch)
            if arrow.num_rows == 0:
                continue
            if out is None:
                out = pq.ParquetWriter(path, arrow.schema)
            elif arrow.schema != out.schema:
                arrow = arrow.cast(out.schema)
            out.write_table(arrow)
            rows += arrow.num_rows
            del arrow, batch
    finally:
        if out is not None:
            out.close()
    return Staged(path if out is not None else None, rows)


def insert_staged(con: duckdb.DuckDBPyConnection, table: str, staged: Staged) -> int:
    """INSERT the staged rows into `table` in one statement; returns the rows inserted."""
    if staged.path is None:
        return 0
    con.execute(sql("insert_staged").format(table=_ident(table)), {"path": str(staged.path)})
    return staged.rows


# ---------------------------------------------------------------------------------------------------------
# parse + validate streams


def _pages(items: Pages, endpoint: str) -> tuple[list[Path], list[SweepLike]]:
    paths: list[Path] = []
    sweeps: list[SweepLike] = []
    for item in items:
        if isinstance(item, Path | str):
            paths.append(Path(item))
        elif _matches(item.endpoint, endpoint):
            paths.extend(Path(p) for p in item.page_files)
            sweeps.append(item)
    return paths, sweeps


def _matches(name: str, endpoint: str) -> bool:
    """A sweep belongs to a dataset by its endpoint name (partner_center.endpoints: 'res_fee_records')."""
    return name == endpoint


def _finish_frame(frame: pl.DataFrame, spec: DatasetSpec, context: LoadContext) -> pl.DataFrame:
    """Rows as the table stores them: load columns added, helper columns dropped."""
    names = [c.name for c in spec.all_columns]
    return frame.with_columns(
        pl.lit(context.partner).alias("partner_domain_id"), pl.lit(context.load_id).alias("load_id")
    ).select(names)


def _record_key(row: Mapping[str, Any], key: Sequence[str]) -> str | None:
    values = [row.get(k) for k in key]
    return None if all(v is None for v in values) else "|".join("" if v is None else str(v) for v in values)


def _quarantine_frame(
    bad: pl.DataFrame,
    spec: DatasetSpec,
    parts: PartitionSet,
    quarantine: Quarantine,
    raw_of: Callable[[Mapping[str, Any]], Any],
) -> None:
    for row in bad.to_dicts():
        value = row.get(spec.partition_column)
        key = str(value) if value is not None and str(value) in parts.labels else _span_label(parts)
        quarantine.add(spec.name, key, _record_key(row, spec.key), list(row["_reasons"]), raw_of(row))


class _RawCache:
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


LEDGER_CONFIG = {"memory_limit": "24MB", "threads": "1"}


class DuckKeyLedger:
    """Keys of a load's earlier chunks in a private DuckDB file: duplicate detection across chunks whose
    memory stays bounded (a Python set of 1M keys costs about 90 MB and grows with the load)."""

    def __init__(self, key: Sequence[str]) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="pbw-keys-")
        self.con = duckdb.connect(str(Path(self._dir.name) / "keys.duckdb"), config=LEDGER_CONFIG)
        self._cols = ", ".join(_ident(k) for k in key)
        self._created = False

    def seen_before(self, keys: pl.DataFrame) -> pl.Series:
        """True for rows whose key an earlier chunk had; then records this chunk's keys."""
        name = f"chunk_{uuid.uuid4().hex}"
        self.con.register(name, keys.with_row_index("_row").to_arrow())
        try:
            if not self._created:
                self.con.execute(sql("create_seen_keys").format(cols=self._cols, chunk=name))
                self._created = True
            rows = [
                r[0]
                for r in self.con.execute(
                    sql("select_seen_rows").format(cols=self._cols, chunk=name)
                ).fetchall()
            ]
            self.con.execute(sql("insert_seen_keys").format(cols=self._cols, chunk=name))
        finally:
            self.con.unregister(name)
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
    quarantine: Quarantine,
    log: LoadLog,
    warnings: dict[str, int],
    raw_of: Callable[[Mapping[str, Any]], Any] | None = None,
) -> Iterator[pl.DataFrame]:
    """Validate typed frames; yield rows to load, quarantine the rest (incl. rows outside the partitions)."""
    names = [r.name for r in s_rules]
    raw = raw_of or _RawCache(spec)
    seen = DuckKeyLedger(spec.key)
    try:
        for typed in frames:
            log.rows_in += typed.height
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
                    .map_elements(lambda v, r=reason: [f"{r}: {v}"], return_dtype=pl.List(pl.String))
                    .alias("_reasons")
                )
                _quarantine_frame(outside, spec, parts, quarantine, raw)
            _quarantine_frame(result.bad, spec, parts, quarantine, raw)
            yield _finish_frame(good.filter(inside), spec, context)
    finally:
        seen.close()


# ---------------------------------------------------------------------------------------------------------
# datasets


def bill_date_source() -> str:
    """PBW_BILL_DATE_FROM: which UTC timestamp defines a fee record's bill_date (`trade_time` default)."""
    value = os.environ.get("PBW_BILL_DATE_FROM", "trade_time")
    if value not in ("trade_time", "consume_time"):
        raise ValueError(f"PBW_BILL_DATE_FROM must be trade_time or consume_time, not {value!r}")
    return value


def load_consumption(
    con: duckdb.DuckDBPyConnection,
    pages: Pages,
    partitions: Sequence[Partition],
    *,
    run_id: str | None = None,
    consuming_customers: Mapping[str, Sequence[str]] | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    bill_date_from: str | None = None,
    load_id: str | None = None,
    chunk_pages: int = DEFAULT_CHUNK_PAGES,
) -> LoadResult:
    """Fee records (res-fee-records pages or sweeps) -> replace the bill_date partitions atomically.

    `consuming_customers` ({cycle: [customer ids]}, the consume-sub-customers answer) is stored in
    audit.consumption_customers in the same transaction (evidence for R5).
    """
    paths, sweeps = _pages(pages, "res_fee_records")
    context = _context(run_id, partner_domain_id, settings, load_id, sweeps, chunk_pages)
    with tempfile.TemporaryDirectory(prefix="pbw-stage-") as stage_dir:
        staged = stage_consumption(paths, partitions, Path(stage_dir), context, bill_date_from)
        return commit_consumption(con, staged, consuming_customers)


def stage_consumption(
    paths: Iterable[Path],
    partitions: Sequence[Partition],
    stage_dir: Path,
    context: LoadContext,
    bill_date_from: str | None = None,
) -> StagedLoad:
    """Parse and validate fee record pages into `stage_dir` (no warehouse connection needed).

    `paths` may be a stream fed while the API is still being swept; `context.sweeps` may be set later, before
    the commit (the audit rows of the sweeps are written then).
    """
    spec = consumption_records.SPEC
    parts = partition_set(spec, partitions)
    source = bill_date_from or bill_date_source()
    load = StagedLoad(spec, parts, context, Staged(None, 0))
    with PageParser(
        spec, derived={"bill_date": date_from(f"{source}_utc")}, chunk_pages=context.chunk_pages
    ) as parser:
        batches = validated_batches(
            (chunk.frame for chunk in parser.parse_ahead(paths)),
            spec,
            consumption_records.model(context.settings),
            consumption_records.S_RULES,
            parts,
            context,
            load.quarantine,
            load.log,
            load.warnings,
        )
        load.staged = stage_batches(batches, stage_dir / f"{spec.name}-{context.load_id}.parquet")
        load.drift = dict(parser.drift)
    return load


def commit_consumption(
    target: duckdb.DuckDBPyConnection | Path | str,
    load: StagedLoad,
    consuming_customers: Mapping[str, Sequence[str]] | None = None,
) -> LoadResult:
    """Commit staged fee records with the consume-sub-customers answer (R5's evidence) in one transaction."""
    context = load.context

    def customers_evidence(c: duckdb.DuckDBPyConnection) -> None:
        if not consuming_customers:
            return
        c.execute(
            sql("delete_consumption_customers"),
            {"partner": context.partner, "cycles": list(consuming_customers)},
        )
        rows = [
            {
                "bill_cycle": cycle,
                "customer_id": cid,
                "load_id": context.load_id,
                "partner_domain_id": context.partner,
            }
            for cycle, ids in consuming_customers.items()
            for cid in ids
        ]
        insert_arrow(c, "audit.consumption_customers", pl.DataFrame(rows, schema=_CONSUMERS_SCHEMA))

    return commit_staged(target, load, customers_evidence)


_CONSUMERS_SCHEMA = {
    "bill_cycle": pl.String,
    "customer_id": pl.String,
    "load_id": pl.String,
    "partner_domain_id": pl.String,
}


def _context(
    run_id: str | None,
    partner_domain_id: str | None,
    settings: RuleSettings | None,
    load_id: str | None,
    sweeps: Sequence[SweepLike],
    chunk_pages: int,
) -> LoadContext:
    return LoadContext(
        run_id=run_id,
        partner_domain_id=partner_domain_id,
        load_id=load_id or new_load_id(),
        settings=settings or RuleSettings(),
        sweeps=sweeps,
        chunk_pages=chunk_pages,
    )


def load_account_transactions(
    con: duckdb.DuckDBPyConnection,
    pages: Pages,
    partitions: Sequence[Partition],
    *,
    run_id: str | None = None,
    balance_type: str | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    load_id: str | None = None,
    chunk_pages: int = DEFAULT_CHUNK_PAGES,
) -> LoadResult:
    """Account changes -> replace the trade_date (UTC+8) partitions atomically.

    The balance type is the request's: taken from each sweep's params, or `balance_type` for bare page paths.
    """
    spec = account_transactions.SPEC
    groups: dict[str, list[Path]] = {}
    sweeps: list[SweepLike] = []
    for item in pages:
        if isinstance(item, Path | str):
            if balance_type is None:
                raise ValueError("bare page paths need balance_type= (the API does not repeat it in records)")
            groups.setdefault(balance_type, []).append(Path(item))
        elif _matches(item.endpoint, "account_change_records"):
            groups.setdefault(str(item.params.get("balance_type")), []).extend(
                Path(p) for p in item.page_files
            )
            sweeps.append(item)
    context = _context(run_id, partner_domain_id, settings, load_id, sweeps, chunk_pages)
    parts = partition_set(spec, partitions)
    quarantine, log, warnings = Quarantine(), LoadLog(), {}
    drift: dict[str, str] = {}
    parsers = [
        PageParser(
            spec,
            request={"balance_type": bt},
            derived={"trade_date": date_from("trade_time_utc")},
            chunk_pages=context.chunk_pages,
        )
        for bt in groups
    ]

    def frames() -> Iterator[pl.DataFrame]:
        for parser, paths in zip(parsers, groups.values(), strict=True):
            for chunk in parser.parse(paths):
                yield chunk.frame
            drift.update({k: v for k, v in parser.drift.items() if k not in drift})

    try:
        batches = validated_batches(
            frames(),
            spec,
            account_transactions.model(context.settings),
            account_transactions.S_RULES,
            parts,
            context,
            quarantine,
            log,
            warnings,
        )
        result = replace_partitions(con, spec, parts, batches, context, quarantine, log, drift)
    finally:
        for parser in parsers:
            parser.close()
    result.warnings = warnings
    return result


# ---------------------------------------------------------------------------------------------------------
# monthly bills: versions


def content_hash(frames: Sequence[pl.DataFrame]) -> str:
    """Order-independent sha256 of rows (money as exact text); equal content -> equal hash."""
    digest = hashlib.sha256()
    for frame in frames:
        rows = sorted(
            json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in frame.to_dicts()
        )
        digest.update(str(len(rows)).encode())
        for row in rows:
            digest.update(row.encode("utf-8"))
            digest.update(b"\n")
    return digest.hexdigest()


_HASH_EXCLUDE = ("load_id", "version", "partner_domain_id")


def load_monthly_bills(
    con: duckdb.DuckDBPyConnection,
    pages: Pages,
    partitions: Sequence[str],
    *,
    run_id: str | None = None,
    final: Mapping[str, bool] | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    load_id: str | None = None,
    cycle: str | None = None,
) -> LoadResult:
    """monthly-sum pages per cycle -> a new version of a cycle only when its content hash changed.

    The cycle comes from each sweep's params (the API sends none) or `cycle=` for bare page paths. The
    current version lives in billing.monthly_bills (+ account details); the previous one moves to the
    *_history tables. A new version of a cycle that already had a final version is a restatement.
    """
    spec, dspec = monthly_bills.SPEC, monthly_bills.DETAILS_SPEC
    by_cycle: dict[str, list[Path]] = {str(c): [] for c in partitions}
    sweeps: list[SweepLike] = []
    for item in pages:
        if isinstance(item, Path | str):
            if cycle is None:
                raise ValueError("bare page paths need cycle= (monthly-sum sends no cycle)")
            by_cycle.setdefault(cycle, []).append(Path(item))
        elif _matches(item.endpoint, "monthly_sum"):
            by_cycle.setdefault(str(item.params.get("cycle")), []).extend(Path(p) for p in item.page_files)
            sweeps.append(item)
    context = _context(run_id, partner_domain_id, settings, load_id, sweeps, DEFAULT_CHUNK_PAGES)
    parts = partition_set(spec, list(by_cycle))
    quarantine, log, warnings = Quarantine(), LoadLog(), {}
    drift: dict[str, str] = {}
    staged: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
    for cyc, paths in by_cycle.items():
        bills, details = _parse_monthly(cyc, paths, context, parts, quarantine, log, warnings, drift)
        staged[cyc] = (bills, details)
    final = final or {}
    result = LoadResult(load_id=context.load_id, dataset=spec.name, partitions=parts.labels)
    con.execute("BEGIN TRANSACTION")
    try:
        loaded = 0
        for cyc, (bills, details) in staged.items():
            digest = content_hash(
                [bills.drop(_HASH_EXCLUDE, strict=False), details.drop(_HASH_EXCLUDE, strict=False)]
            )
            latest = con.execute(sql("select_latest_bill_version"), params_of(context, cyc)).fetchall()
            previous = latest[0] if latest else None
            if previous is not None and previous[1] == digest:
                if final.get(cyc):
                    con.execute(
                        sql("mark_bill_version_final"), {**params_of(context, cyc), "version": previous[0]}
                    )
                continue
            version = 1 if previous is None else int(previous[0]) + 1
            was_final = bool(previous is not None and previous[2])
            execute_each(con, sql("archive_monthly_bills"), params_of(context, cyc))
            execute_each(con, sql("archive_monthly_bill_account_details"), params_of(context, cyc))
            loaded += insert_arrow(
                con, spec.table, bills.with_columns(pl.lit(version, pl.Int32).alias("version"))
            )
            insert_arrow(con, dspec.table, details.with_columns(pl.lit(version, pl.Int32).alias("version")))
            amount_total = sum((v for v in bills.get_column("amount").to_list() if v is not None), Decimal(0))
            con.execute(
                sql("insert_bill_version"),
                {
                    "cycle": cyc,
                    "version": version,
                    "content_hash": digest,
                    "pulled_at_utc": now_utc(),
                    "rows": bills.height,
                    "amount_total": amount_total,
                    "is_final": bool(final.get(cyc, False)),
                    "is_restatement": was_final,
                    "load_id": context.load_id,
                    "partner_domain_id": context.partner,
                },
            )
            result.new_versions[cyc] = version
            if was_final:
                result.restated_cycles.append(cyc)
        audit = write_audit(con, spec, context, parts, quarantine, drift, log, loaded)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    result.rows_in, result.rows_loaded = audit.rows_in, audit.rows_loaded
    result.rows_quarantined, result.amount_totals, result.drift = (
        audit.rows_quarantined,
        audit.amount_totals,
        audit.drift,
    )
    result.warnings = warnings
    return result


def params_of(context: LoadContext, cycle: str) -> dict[str, Any]:
    """Bound parameters naming one cycle of one partner account."""
    return {"partner": context.partner, "cycle": cycle}


def execute_each(con: duckdb.DuckDBPyConnection, script: str, params: Mapping[str, Any]) -> None:
    """Run a multi-statement .sql file statement by statement with the same bound parameters."""
    for statement in script.split(";"):
        body = "\n".join(line for line in statement.splitlines() if not line.strip().startswith("--")).strip()
        if body:
            con.execute(body, dict(params))


def _parse_monthly(
    cycle: str,
    paths: Sequence[Path],
    context: LoadContext,
    parts: PartitionSet,
    quarantine: Quarantine,
    log: LoadLog,
    warnings: dict[str, int],
    drift: dict[str, str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Bills and their flattened account details of one cycle, validated (bad rows quarantined)."""
    spec, dspec = monthly_bills.SPEC, monthly_bills.DETAILS_SPEC
    records: list[dict[str, Any]] = []
    detail_records: list[dict[str, Any]] = []
    parents: list[int] = []
    currency: str | None = None
    for path in paths:
        page = load_page(path)
        currency = page.get("currency", currency)
        page_records = page.get(spec.records_field) or []
        check_required(spec, page_records, f"page {path.name}")
        for record in page_records:
            bill = {k: v for k, v in record.items() if k != "account_details"}
            records.append(bill)
            for detail in record.get("account_details") or []:
                flat = {
                    k: bill.get(k)
                    for k in (
                        "customer_id",
                        "cloud_service_type",
                        "resource_type_code",
                        "charge_mode",
                        "bill_type",
                    )
                }
                flat.update({k: v for k, v in detail.items() if k not in flat})
                detail_records.append(flat)
                parents.append(len(records) - 1)
    with (
        PageParser(spec, request={"cycle": cycle}) as parser,
        PageParser(dspec, request={"cycle": cycle}) as dp,
    ):
        bills = parser.type_records(records, f"monthly-sum {cycle}", currency)
        details = dp.type_records(detail_records, f"monthly-sum {cycle} account_details", currency)
        drift.update({k: v for k, v in parser.drift.items() if k not in drift})
    load_columns = [
        pl.lit(context.partner).alias("partner_domain_id"),
        pl.lit(context.load_id).alias("load_id"),
    ]
    bills, details = bills.with_columns(load_columns), details.with_columns(load_columns)
    parent_index = pl.Series("_parent", parents, dtype=pl.Int64)
    details = details.with_columns(parent_index)
    sums = details.group_by("_parent").agg(
        pl.col("amount").sum().alias(monthly_bills.DETAILS_SUM), pl.col("amount").max().alias("_details_max")
    )
    bills = (
        bills.with_row_index("_parent")
        .with_columns(pl.col("_parent").cast(pl.Int64))
        .join(sums, on="_parent", how="left")
        .with_columns(
            pl.col(monthly_bills.DETAILS_SUM).fill_null(pl.col("amount")),
            pl.lit(0, pl.Int32).alias("version"),
        )
    )
    raw_bills = dict(enumerate(records))
    bill_check = split_valid(
        bills,
        monthly_bills.model(context.settings),
        spec.key,
        context.settings,
        [r.name for r in monthly_bills.S_RULES],
        set(),
    )
    for rule, count in bill_check.warnings.items():
        warnings[rule] = warnings.get(rule, 0) + count
    log.rows_in += bills.height
    _quarantine_frame(bill_check.bad, spec, parts, quarantine, lambda row: raw_bills[int(row["_parent"])])
    good_parents = set(bill_check.good.get_column("_parent").to_list())
    details = details.with_columns(pl.lit(0, pl.Int32).alias("version"))
    kept = details.filter(pl.col("_parent").is_in(list(good_parents)))
    detail_check = split_valid(kept, monthly_bills.AccountDetailModel, dspec.key, context.settings, (), set())
    if detail_check.bad.height:
        bad_parents = set(detail_check.bad.get_column("_parent").to_list())
        for row in detail_check.bad.to_dicts():
            quarantine.add(
                dspec.name,
                cycle,
                _record_key(row, dspec.key),
                list(row["_reasons"]),
                raw_bills[int(row["_parent"])],
            )
        good_bills = bill_check.good.filter(~pl.col("_parent").is_in(list(bad_parents)))
        kept = detail_check.good.filter(~pl.col("_parent").is_in(list(bad_parents)))
    else:
        good_bills = bill_check.good
        kept = detail_check.good
    bills_out = _finish_frame(good_bills, spec, context)
    details_out = _finish_frame(kept, dspec, context)
    return bills_out, details_out


# ---------------------------------------------------------------------------------------------------------
# customers: current + history


def load_customers(
    con: duckdb.DuckDBPyConnection,
    pages: Pages,
    *,
    run_id: str | None = None,
    indirect_partner_id: str | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    load_id: str | None = None,
) -> LoadResult:
    """The full customer list -> billing.customers (current) and a type-2 history of attribute changes."""
    spec = customers.SPEC
    paths, sweeps = _pages(pages, "sub_customers")
    context = _context(run_id, partner_domain_id, settings, load_id, sweeps, DEFAULT_CHUNK_PAGES)
    parts = PartitionSet(spec.partition_column, whole=True)
    quarantine, log, warnings = Quarantine(), LoadLog(), {}
    parser = PageParser(
        spec, request={"indirect_partner_id": indirect_partner_id}, chunk_pages=context.chunk_pages
    )
    try:
        frames = [chunk.frame for chunk in parser.parse(paths)]
        good = list(
            validated_batches(
                frames, spec, customers.model(context.settings), (), parts, context, quarantine, log, warnings
            )
        )
    finally:
        parser.close()
    current = pl.concat(good) if good else pl.DataFrame(schema=spec.polars_schema)
    hashed = current.with_columns(
        pl.struct([c.name for c in spec.columns])
        .map_elements(
            lambda r: hashlib.sha256(json.dumps(r, sort_keys=True, default=str).encode()).hexdigest(),
            return_dtype=pl.String,
        )
        .alias("content_hash")
        if current.height
        else pl.lit(None, pl.String).alias("content_hash")
    )

    def history(c: duckdb.DuckDBPyConnection) -> None:
        stamp = now_utc()
        name = f"customers_{uuid.uuid4().hex}"
        c.register(name, hashed.to_arrow())
        try:
            params = {"partner": context.partner, "stamp": stamp}
            c.execute(sql("close_customer_history").format(batch=name), params)
            c.execute(sql("insert_customer_history").format(batch=name), params)
        finally:
            c.unregister(name)

    result = replace_partitions(con, spec, parts, [current], context, quarantine, log, parser.drift, history)
    result.warnings = warnings
    return result


# ---------------------------------------------------------------------------------------------------------
# incentive export files


def load_incentives(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    sha256: str | None = None,
    run_id: str | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    load_id: str | None = None,
) -> LoadResult:
    """One console export (XLSX/CSV, zh or en headers) -> replace the incentive periods it contains.

    A file that cannot be read as the contract says (missing or renamed required header) raises ValueError
    with the reason, so the inbox can move it to `rejected/`.
    """
    from warehouse.exports import read_incentive_export

    spec = incentive_records.SPEC
    context = _context(run_id, partner_domain_id, settings, load_id, (), DEFAULT_CHUNK_PAGES)
    export = read_incentive_export(Path(path), sha256)
    periods = sorted({p for p in export.frame.get_column("incentive_period").to_list() if p})
    parts = partition_set(spec, periods)
    quarantine, log, warnings = Quarantine(), LoadLog(), {}
    raws = export.raw_rows
    batches = validated_batches(
        [export.frame],
        spec,
        incentive_records.model(context.settings),
        incentive_records.S_RULES,
        parts,
        context,
        quarantine,
        log,
        warnings,
        raw_of=lambda row: raws[int(row[INDEX])],
    )
    result = replace_partitions(con, spec, parts, batches, context, quarantine, log, export.drift)
    result.warnings = warnings
    return result


def table_checksum(con: duckdb.DuckDBPyConnection, table: str, exclude: Sequence[str] = ("load_id",)) -> str:
    """Order-independent checksum of a table without `exclude` columns (load ids differ per load)."""
    columns = [
        row[0]
        for row in con.execute(
            sql("select_table_columns"), {"table": table.split(".")[-1], "schema": table.split(".")[0]}
        ).fetchall()
        if row[0] not in exclude
    ]
    cols = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(sql("select_table_checksum").format(cols=cols, table=_ident(table))).fetchall()
    return f"{rows[0][0]}:{rows[0][1]}"
