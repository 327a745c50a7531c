"""The commit of a load: replace partitions atomically, bad rows to quarantine, evidence to audit.

One transaction per load: BEGIN; DELETE the partitions (of this partner account); INSERT the staged rows;
INSERT quarantine, schema drift, API sweeps and the load-log row; COMMIT. A crash at any point leaves the
previous contents; rerunning the same load converges to the same contents.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from schemas.columns import DatasetSpec
from warehouse.connection import load_memory_limit, registered, transaction, writer
from warehouse.contract import (
    LoadContext,
    LoadReport,
    Partition,
    PartitionSet,
    StagedBatch,
    StagedRows,
    SweepEvidence,
    now_utc,
    partition_set,
)
from warehouse.sqlfiles import sql
from warehouse.staging import LoadLog, Quarantine, Staging, ident, stage_batches, staging_dir

SideTables = Callable[[duckdb.DuckDBPyConnection], None]


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, batch: pl.DataFrame) -> int:
    """INSERT a batch by column name through Arrow (never executemany); returns the rows inserted."""
    if batch.height == 0:
        return 0
    name = f"batch_{uuid.uuid4().hex}"
    with registered(con, name, batch):
        con.execute(sql("insert_batch").format(table=ident(table), batch=name))
    return batch.height


def insert_staged(con: duckdb.DuckDBPyConnection, table: str, staged: StagedRows) -> int:
    """INSERT the staged rows into `table` in one statement; returns the rows inserted."""
    if staged.path is None:
        return 0
    with one_thread(con):
        con.execute(sql("insert_staged").format(table=ident(table)), {"path": staged.files})
    return staged.rows


@contextmanager
def one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block on one DuckDB thread and that thread's memory, then the connection's settings as they
    were. A bulk INSERT buffers a row group per thread (~64 MB of wide rows each): one thread held ~30 MB
    less RSS at the commit (B3) for the same CPU per record."""
    old = con.execute(sql("select_threads_memory")).fetchall()
    con.execute(sql("set_threads_memory").format(threads=1, memory=load_memory_limit(1)))
    try:
        yield
    finally:
        if old:
            threads, memory = old[0]
            con.execute(sql("set_threads_memory").format(threads=int(threads), memory=memory))


class ResellerRowsError(RuntimeError):
    """A load of the distributor's own view would delete rows its resellers' views brought."""


def keep_resellers_rows(con: duckdb.DuckDBPyConnection, batch: StagedBatch) -> None:
    """Refuse a load that swept no reseller (`PBW_RESELLERS=off`) where the partitions it replaces hold
    resellers' rows (an earlier `auto` run): replacing them would lose those rows without a word."""
    spec, parts, context = batch.spec, batch.parts, batch.context
    if context.holders or not any(c.name == "indirect_partner_id" for c in spec.all_columns):
        return
    column = "partner_domain_id" if parts.whole else parts.column  # a whole table: any column binds
    query = sql("select_resellers_rows").format(table=ident(spec.table), column=ident(column),
                                                 scope="TRUE" if parts.whole else "FALSE")
    rows = con.execute(query, {"partner": context.partner, "labels": parts.labels}).fetchall()
    count, resellers = rows[0] if rows else (0, 0)
    if count:
        labels = parts.labels
        where = labels[0] if len(labels) == 1 else parts.span_label
        where = "the account's whole table" if parts.whole else where
        raise ResellerRowsError(
            f"{spec.table} holds {count} rows of {resellers} reseller(s) in {where}, and this "
            f"load swept only the distributor's own view (PBW_RESELLERS=off): replacing those partitions "
            f"would delete them. Set PBW_RESELLERS=auto (the default) to reload them with their resellers"
        )


def delete_partitions(con: duckdb.DuckDBPyConnection, table: str, parts: PartitionSet, partner: str) -> None:
    """DELETE the partitions of one partner account from `table` (half-open ranges or keys)."""
    target = ident(table)
    column = '"' + parts.column + '"'
    if parts.whole:
        con.execute(sql("delete_partner_rows").format(table=target), {"partner": partner})
    for start, end in parts.ranges:
        if parts.scope_column is not None:
            con.execute(
                sql("delete_partition_range_of").format(
                    table=target, column=column, scope=ident(parts.scope_column)
                ),
                {"partner": partner, "start": start, "end": end, "values": list(parts.scope_values)},
            )
            continue
        con.execute(
            sql("delete_partition_range").format(table=target, column=column),
            {"partner": partner, "start": start, "end": end},
        )
    if parts.keys:
        con.execute(
            sql("delete_partition_keys").format(table=target, column=column),
            {"partner": partner, "keys": list(parts.keys)},
        )


def _amount_totals(con: duckdb.DuckDBPyConnection, spec: DatasetSpec, load_id: str) -> dict[str, Decimal]:
    money = spec.money_columns
    if not money:
        return {}
    sums = ", ".join(f'coalesce(sum("{c}"), 0)' for c in money)
    rows = con.execute(
        sql("select_load_totals").format(sums=sums, table=ident(spec.table)), {"load_id": load_id}
    ).fetchall()
    values = rows[0] if rows else ()
    return {c: Decimal(v) for c, v in zip(money, values, strict=True)}


_TEXT, _COUNT, _STAMP = pl.String(), pl.Int64(), pl.Datetime("us")
_SWEEP_SCHEMA = pl.Schema({
    "load_id": _TEXT, "dataset": _TEXT, "endpoint": _TEXT, "params": _TEXT, "api_count": _COUNT,
    "fetched": _COUNT, "duplicates": _COUNT, "calls": _COUNT, "throttled": _COUNT, "resweeps": _COUNT,
    "started_at_utc": _STAMP, "finished_at_utc": _STAMP, "partner_domain_id": _TEXT,
})
_QUARANTINE_SCHEMA = pl.Schema({
    "load_id": _TEXT, "dataset": _TEXT, "partition_key": _TEXT, "record_key": _TEXT, "reasons": _TEXT,
    "raw_record": _TEXT, "quarantined_at_utc": _STAMP, "partner_domain_id": _TEXT,
})


def _sweep_table(dataset: str, load_id: str, partner: str, evidence: Sequence[SweepEvidence]) -> pl.DataFrame:
    rows = [
        {
            "load_id": load_id,
            "dataset": dataset,
            "endpoint": s.endpoint_label,
            "params": json.dumps(dict(s.params), ensure_ascii=False, default=str, sort_keys=True),
            "api_count": s.api_count,
            "fetched": s.fetched,
            "duplicates": s.duplicates,
            "calls": s.calls,
            "throttled": s.throttled,
            "resweeps": s.resweeps,
            "started_at_utc": s.started_at_utc.replace(tzinfo=None) if s.started_at_utc else None,
            "finished_at_utc": s.finished_at_utc.replace(tzinfo=None) if s.finished_at_utc else None,
            "partner_domain_id": partner,
        }
        for s in evidence
    ]
    return pl.DataFrame(rows, schema=_SWEEP_SCHEMA)


def write_audit(
    con: duckdb.DuckDBPyConnection, batch: StagedBatch, rows_loaded: int, *, clear_quarantine: bool = True
) -> LoadReport:
    """Quarantine, drift, sweeps and the load-log row of a load (inside the caller's transaction).

    `clear_quarantine`: the load replaces its partitions, so their earlier quarantine rows go too; a merge
    (incentive exports) clears the quarantine of the records it mentions itself.
    """
    stamp = now_utc()
    spec, context, parts = batch.spec, batch.context, batch.parts
    partner = context.partner
    keys = [*parts.labels, parts.span_label]
    # a merge (clear_quarantine False) keeps other files' quarantine rows; it clears only what it mentions
    if clear_quarantine and parts.scope_column is not None:
        con.execute(
            sql("delete_quarantine_partitions_of"),
            {"dataset": spec.name, "partner": partner, "keys": keys, "values": list(parts.scope_values),
             "field": parts.scope_column},
        )
    elif clear_quarantine:
        params = {"dataset": spec.name, "partner": partner, "keys": keys}
        con.execute(sql("delete_quarantine_partitions"), params)
    q_rows = [
        {**asdict(row), "load_id": context.load_id, "quarantined_at_utc": stamp, "partner_domain_id": partner}
        for row in batch.quarantine
    ]
    insert_arrow(con, "audit.quarantine", pl.DataFrame(q_rows, schema=_QUARANTINE_SCHEMA))
    for name, sample in sorted(batch.drift.items()):
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
    insert_arrow(con, "audit.api_sweeps", _sweep_table(spec.name, context.load_id, partner, batch.evidence))
    totals = _amount_totals(con, spec, context.load_id)
    con.execute(
        sql("insert_load_log"),
        {
            "load_id": context.load_id,
            "run_id": context.run_id,
            "dataset": spec.name,
            "partitions": parts.labels,
            "rows_in": batch.rows_in,
            "rows_loaded": rows_loaded,
            "rows_quarantined": len(batch.quarantine),
            "amount_totals": json.dumps({k: format(v, "f") for k, v in totals.items()}),
            "api_calls": sum(s.calls for s in batch.evidence),
            "throttled": sum(s.throttled for s in batch.evidence),
            "started_at_utc": batch.started_at_utc,
            "finished_at_utc": now_utc(),
            "partner_domain_id": partner,
        },
    )
    return LoadReport(
        load_id=context.load_id,
        dataset=spec.name,
        partitions=parts.labels,
        rows_in=batch.rows_in,
        rows_loaded=rows_loaded,
        rows_quarantined=len(batch.quarantine),
        amount_totals=totals,
        warnings=dict(batch.warnings),
        drift=sorted(batch.drift),
    )


def commit_batch(
    target: duckdb.DuckDBPyConnection | Path | str,
    batch: StagedBatch,
    side_tables: SideTables | None = None,
) -> LoadReport:
    """BEGIN; DELETE the partitions; INSERT the staged rows; side tables; audit; COMMIT (else ROLLBACK).

    `target` is an open writer connection or a warehouse path (then a writer is opened for this commit).
    """
    if not isinstance(target, duckdb.DuckDBPyConnection):
        with writer(target) as con:
            return commit_batch(con, batch, side_tables)
    with transaction(target) as con:
        keep_resellers_rows(con, batch)
        delete_partitions(con, batch.spec.table, batch.parts, batch.context.partner)
        loaded = insert_staged(con, batch.spec.table, batch.rows)
        if side_tables is not None:
            side_tables(con)
        return write_audit(con, batch, loaded)


def replace_partitions(
    target: duckdb.DuckDBPyConnection | Path | str,
    spec: DatasetSpec,
    partitions: Sequence[Partition] | PartitionSet,
    batches: Iterable[pl.DataFrame],
    context: LoadContext,
    quarantine: Quarantine | None = None,
    log: LoadLog | None = None,
    drift: Mapping[str, str] | None = None,
    work_dir: Path | None = None,
) -> LoadReport:
    """Replace `partitions` of `spec.table` with `batches` (rows validated elsewhere) in one transaction."""
    parts = partitions if isinstance(partitions, PartitionSet) else partition_set(spec, list(partitions))
    staging = Staging(quarantine or Quarantine(), log or LoadLog())
    with staging_dir(work_dir) as stage_dir:
        rows = stage_batches(batches, stage_dir / "rows")
        staging.merge_drift(drift or {})  # read once the batches are exhausted: a generator may fill it
        batch = StagedBatch(spec=spec, parts=parts, context=context, rows=rows, **staging.batch_fields())
        return commit_batch(target, batch)
