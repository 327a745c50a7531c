"""`pbw sql` (read-only ad-hoc SQL) and `pbw export parquet` (hive-partitioned, for Spark/Trino/Athena)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow.dataset as ds

from warehouse.connection import DEFAULT_DEADLINE_S, WarehouseLockedError, reader, warehouse_path
from warehouse.sqlfiles import sql

PARTITION_COLUMNS: dict[str, str] = {
    "billing.consumption_records": "bill_date",
    "billing.monthly_bills": "cycle",
    "billing.monthly_bills_history": "cycle",
    "billing.monthly_bill_account_details": "cycle",
    "billing.monthly_bill_account_details_history": "cycle",
    "billing.monthly_bill_versions": "cycle",
    "billing.account_transactions": "trade_date",
    "billing.incentive_records": "incentive_period",
}


def register(subparsers: Any) -> None:
    """Add `sql` and `export` to the `pbw` command line."""
    p_sql = subparsers.add_parser(
        "sql", help="run read-only SQL on the warehouse (query text, a .sql file or stdin)"
    )
    p_sql.add_argument("query", nargs="?", help="SQL text, a path to a .sql file, or '-' / nothing for stdin")
    p_sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p_sql.add_argument("--warehouse", type=Path, default=None, help="DuckDB file (default: PBW_WAREHOUSE)")
    p_sql.add_argument(
        "--wait", type=float, default=DEFAULT_DEADLINE_S, help="seconds to wait while a run writes"
    )
    p_sql.set_defaults(func=run_sql)

    p_export = subparsers.add_parser("export", help="export warehouse tables")
    export_sub = p_export.add_subparsers(dest="export_kind", required=True)
    p_parquet = export_sub.add_parser("parquet", help="hive-partitioned Parquet of one table")
    p_parquet.add_argument("--table", required=True, help="schema.table, e.g. billing.consumption_records")
    p_parquet.add_argument("--to", required=True, type=Path, help="target directory")
    p_parquet.add_argument("--warehouse", type=Path, default=None)
    p_parquet.add_argument("--wait", type=float, default=DEFAULT_DEADLINE_S)
    p_parquet.set_defaults(func=run_export_parquet)


def query_text(arg: str | None) -> str:
    """The query from an argument (text or a .sql file) or stdin."""
    if arg is None or arg == "-":
        return sys.stdin.read()
    if arg.strip().lower().endswith(".sql") and Path(arg).is_file():
        return Path(arg).read_text(encoding="utf-8")
    return arg


def format_frame(frame: pl.DataFrame, fmt: str) -> str:
    """A result as an aligned table, CSV or JSON (money stays exact text in JSON)."""
    if fmt == "csv":
        return frame.write_csv()
    if fmt == "json":
        return json.dumps(frame.rows(named=True), default=str, ensure_ascii=False, indent=1) + "\n"
    with pl.Config(
        tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=120, tbl_width_chars=400, tbl_hide_dataframe_shape=True
    ):
        return f"{frame}\n({frame.height} rows)\n"


def run_sql(args: argparse.Namespace) -> int:
    """`pbw sql`: read-only; waits for a running writer up to --wait seconds."""
    text = query_text(args.query).strip()
    if not text:
        print("pbw sql: no query given", file=sys.stderr)
        return 2
    try:
        with reader(args.warehouse or warehouse_path(), deadline_s=args.wait) as con:
            frame = con.sql(text).pl()
    except (WarehouseLockedError, FileNotFoundError) as exc:
        print(f"pbw sql: {exc}", file=sys.stderr)
        return 3
    except duckdb.Error as exc:
        print(f"pbw sql: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(format_frame(frame, args.format))
    return 0


def export_parquet(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> int:
    """Write `table` as Parquet under `target`, hive-partitioned by its partition column; returns the rows.

    Streams Arrow record batches, so memory stays bounded. Existing files of the written partitions are
    replaced (`delete_matching`), other partitions are left alone.
    """
    schema, _, name = table.partition(".")
    found = con.execute(sql("select_table_columns"), {"schema": schema, "table": name}).fetchall()
    if not found:
        raise ValueError(f"no table {table!r} in the warehouse")
    ident = f'"{schema}"."{name}"'
    partition = PARTITION_COLUMNS.get(table)
    batches = con.sql(sql("select_all_rows").format(table=ident)).to_arrow_reader()
    rows = 0

    def counted() -> Any:
        nonlocal rows
        for batch in batches:
            rows += batch.num_rows
            yield batch

    ds.write_dataset(
        counted(),
        target,
        schema=batches.schema,
        format="parquet",
        partitioning=[partition] if partition else None,
        partitioning_flavor="hive" if partition else None,
        existing_data_behavior="delete_matching",
        basename_template="part-{i}.parquet",
    )
    return rows


def run_export_parquet(args: argparse.Namespace) -> int:
    """`pbw export parquet --table T --to DIR`."""
    try:
        with reader(args.warehouse or warehouse_path(), deadline_s=args.wait) as con:
            rows = export_parquet(con, args.table, args.to)
    except (WarehouseLockedError, FileNotFoundError, ValueError) as exc:
        print(f"pbw export parquet: {exc}", file=sys.stderr)
        return 3
    print(f"wrote {rows} rows of {args.table} to {args.to}")
    return 0
