"""`pbw sql` (read-only ad-hoc SQL) and `pbw export parquet` (hive-partitioned, for Spark/Trino/Athena)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import duckdb

from warehouse.connection import DEFAULT_DEADLINE_S, WarehouseLockedError, reader, warehouse_path
from warehouse.parquet_export import export_parquet
from warehouse.query import format_frame, query_text, run_query


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


def run_sql(args: argparse.Namespace) -> int:
    """`pbw sql`: read-only; waits for a running writer up to --wait seconds."""
    text = query_text(args.query).strip()
    if not text:
        print("pbw sql: no query given", file=sys.stderr)
        return 2
    try:
        frame = run_query(args.warehouse or warehouse_path(), text, args.wait)
    except (WarehouseLockedError, FileNotFoundError) as exc:
        print(f"pbw sql: {exc}", file=sys.stderr)
        return 3
    except duckdb.Error as exc:
        print(f"pbw sql: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(format_frame(frame, args.format))
    return 0


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
