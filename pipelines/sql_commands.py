"""`pbw sql` (read-only ad-hoc SQL on the published view), `pbw publish` and `pbw export parquet`.

Analysts read the published view (`PBW_PUBLISHED/catalog.duckdb`), never the writer's file, so a query or a
notebook never waits for a load and never makes one wait; `--warehouse FILE` reads the writer's file itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import duckdb

from warehouse.connection import DEFAULT_DEADLINE_S, WarehouseLockedError, reader, warehouse_path, writer
from warehouse.parquet_export import export_parquet
from warehouse.publish import published_root, republish_everything
from warehouse.publish_layout import Layout
from warehouse.query import format_result, query_text, run_query, table_catalog


def register(subparsers: Any) -> None:
    """Add `sql` and `export` to the `pbw` command line."""
    p_sql = subparsers.add_parser(
        "sql", help="run read-only SQL on the warehouse (query text, a .sql file or stdin)",
        description="Run read-only SQL on the published view (PBW_PUBLISHED/catalog.duckdb, updated after "
        "every load; it never waits for a load) and print a plain table, CSV or JSON; `--tables` lists the "
        "tables with what each holds. `--warehouse FILE` reads the writer's file instead (waits while a load "
        "writes). Never creates or changes a file.",
        epilog='Examples: pbw sql "SELECT bill_cycle, count(*) FROM billing.consumption_records GROUP BY 1"'
        "   |   pbw sql --format csv my_query.sql   |   pbw sql --tables",
    )
    p_sql.add_argument("query", nargs="?", help="SQL text, a path to a .sql file, or '-' / nothing for stdin")
    p_sql.add_argument("--tables", action="store_true", help="list the tables with their descriptions")
    p_sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p_sql.add_argument("--warehouse", type=Path, default=None,
                       help="read this warehouse file instead of the published view (waits for a writer)")
    p_sql.add_argument(
        "--wait", type=float, default=DEFAULT_DEADLINE_S, help="seconds to wait while a run writes"
    )
    p_sql.set_defaults(func=run_sql)

    p_tables = subparsers.add_parser(
        "tables", help="list the warehouse's tables with their one-line descriptions",
        description="Every table and view of the warehouse with what it holds (the catalog's COMMENTs); "
        "the same as `pbw sql --tables`.",
        epilog="Example: pbw tables --format csv",
    )
    p_tables.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p_tables.add_argument("--warehouse", type=Path, default=None,
                          help="read this warehouse file instead of the published view")
    p_tables.add_argument("--wait", type=float, default=DEFAULT_DEADLINE_S)
    p_tables.set_defaults(func=run_sql, tables=True, query=None)

    p_publish = subparsers.add_parser(
        "publish", help="(re)publish every table for readers (Parquet + catalog of views)",
        description="Rewrite the published view (PBW_PUBLISHED, default published/ beside the warehouse) "
        "from the warehouse: every table as hive-partitioned Parquet and a new catalog of views, swapped in "
        "by one rename. Loads publish what they change by themselves; run this after an upgrade, a move of "
        "the published folder, or a failed publish.",
        epilog="Example: pbw publish   |   duckdb -readonly data/published/catalog.duckdb",
    )
    p_publish.add_argument("--warehouse", type=Path, default=None)
    p_publish.add_argument("--wait", type=float, default=DEFAULT_DEADLINE_S)
    p_publish.set_defaults(func=run_publish)

    p_export = subparsers.add_parser(
        "export", help="export warehouse tables",
        description="Export warehouse tables for other engines (Spark, Trino, Athena); read-only.",
        epilog="Example: pbw export parquet --table billing.consumption_records --to data/export",
    )
    export_sub = p_export.add_subparsers(dest="export_kind", required=True)
    p_parquet = export_sub.add_parser(
        "parquet", help="hive-partitioned Parquet of one table",
        description="One table as hive-partitioned Parquet files under the target directory.",
        epilog="Example: pbw export parquet --table billing.monthly_bills --to data/export",
    )
    p_parquet.add_argument("--table", required=True, help="schema.table, e.g. billing.consumption_records")
    p_parquet.add_argument("--to", required=True, type=Path, help="target directory")
    p_parquet.add_argument("--warehouse", type=Path, default=None)
    p_parquet.add_argument("--wait", type=float, default=DEFAULT_DEADLINE_S)
    p_parquet.set_defaults(func=run_export_parquet)


def run_sql(args: argparse.Namespace) -> int:
    """`pbw sql` / `pbw tables`: read-only; waits for a running writer up to --wait seconds.

    Exit codes: 0 ok, 1 the query failed, 2 no query or no such .sql file, 3 no warehouse or it stayed locked.
    """
    path = args.warehouse or read_path()
    if not args.tables:
        try:
            text = query_text(args.query).strip()
        except FileNotFoundError as exc:
            print(f"pbw sql: {exc}", file=sys.stderr)
            return 2
        if not text:
            print("pbw sql: no query given", file=sys.stderr)
            return 2
    try:
        result = table_catalog(path, args.wait) if args.tables else run_query(path, text, args.wait)
    except (WarehouseLockedError, FileNotFoundError) as exc:
        print(f"pbw sql: {exc}", file=sys.stderr)
        return 3
    except duckdb.Error as exc:
        print(f"pbw sql: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(format_result(result, args.format))
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


def read_path() -> Path:
    """The published catalog; the warehouse file itself (with a note) while nothing was published yet."""
    warehouse = warehouse_path()
    catalog = Layout(published_root(warehouse)).catalog
    if catalog.exists():
        return catalog
    print(f"pbw sql: nothing published at {catalog} yet; reading {warehouse} (run `pbw publish` once)",
          file=sys.stderr)
    return warehouse


def run_publish(args: argparse.Namespace) -> int:
    """`pbw publish`: every table from scratch, holding the writer (so no load runs meanwhile)."""
    path = args.warehouse or warehouse_path()
    root = published_root(path)
    try:
        with writer(path, deadline_s=args.wait, must_exist=True) as con:
            report = republish_everything(con, root, str(path.resolve()))
    except (WarehouseLockedError, FileNotFoundError, OSError, duckdb.Error) as exc:
        print(f"pbw publish: {exc}", file=sys.stderr)
        return 3
    print(f"published generation {report.generation}: {len(report.tables)} tables, {report.partitions} "
          f"partitions in {report.seconds:.1f} s; analysts open {Layout(root).catalog} read-only")
    return 0
