"""Warehouse helpers that only tests need: an in-memory warehouse and an order-independent table checksum."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from warehouse.connection import duckdb_config, quiet
from warehouse.migrate import apply_migrations
from warehouse.sqlfiles import sql
from warehouse.staging import ident


def memory_warehouse() -> duckdb.DuckDBPyConnection:
    """An in-memory, fully migrated warehouse with a load's settings (memory limit, no progress bar)."""
    con = quiet(duckdb.connect(":memory:", config=duckdb_config()))
    apply_migrations(con)
    return con


def table_checksum(con: duckdb.DuckDBPyConnection, table: str, exclude: Sequence[str] = ("load_id",)) -> str:
    """Order-independent checksum of a table without `exclude` columns (load ids differ per load)."""
    schema, name = table.split(".")
    columns = [
        row[0]
        for row in con.execute(sql("select_table_columns"), {"table": name, "schema": schema}).fetchall()
        if row[0] not in exclude
    ]
    cols = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(sql("select_table_checksum").format(cols=cols, table=ident(table))).fetchall()
    return f"{rows[0][0]}:{rows[0][1]}"
