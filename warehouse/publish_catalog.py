"""The published catalog: a small DuckDB file of views over exact Parquet file lists, and its own record.

Analysts open it read-only (`duckdb.connect('published/catalog.duckdb', read_only=True)`), so they never
touch the writer's file and never wait for, or block, a load. Each generation is a new catalog file; the
current one is swapped in by one rename, so a reader sees one whole load or the one before, never half.
The catalog records which files each view reads and which loads it covers (schema `published`), which is
all the next publish needs to know what changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import duckdb
import polars as pl

from warehouse.connection import ArrowStream
from warehouse.sqlfiles import sql
from warehouse.staging import ident

PARTITION_CANDIDATES = ("bill_date", "trade_date", "cycle", "incentive_period")
"""A table's hive partition column is the first of these it has (with `partner_domain_id` above it)."""
ACCOUNT_COLUMN = "partner_domain_id"

Partition = tuple[str, ...]
"""A partition as the text of its hive values, e.g. ('DOMAIN', '2026-10-05')."""


@dataclass(frozen=True)
class TableShape:
    """One warehouse table as published: its columns and types, hive levels, whether rows carry a load id."""

    name: str
    columns: tuple[tuple[str, str], ...]
    comment: str = ""

    @property
    def partition_by(self) -> tuple[str, ...]:
        """Hive levels: the account then the first partition candidate; none when it has no candidate."""
        names = {c for c, _ in self.columns}
        found = next((c for c in PARTITION_CANDIDATES if c in names), None)
        if found is None:
            return ()
        return (ACCOUNT_COLUMN, found) if ACCOUNT_COLUMN in names else (found,)

    @property
    def has_load_id(self) -> bool:
        """Rows carry the load that wrote them: new rows of a load can be found by it."""
        return any(c == "load_id" for c, _ in self.columns)

    def type_of(self, column: str) -> str:
        """DuckDB type name of `column`."""
        return dict(self.columns)[column]

    @property
    def columns_text(self) -> str:
        """Columns and types as JSON text: a change (a migration) republishes the whole table."""
        return json.dumps(self.columns)


def partition_of(path: str) -> Partition:
    """('DOMAIN', '2026-10-05') from 'partner_domain_id=DOMAIN/bill_date=2026-10-05' (DuckDB URL-encodes)."""
    if not path:
        return ()
    return tuple(unquote(part.partition("=")[2]) for part in path.split("/"))


@dataclass
class Generation:
    """What one published catalog holds: its number, each table's files by partition path, the loads."""

    number: int
    files: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    loads: frozenset[str] = frozenset()

    def referenced(self) -> set[str]:
        """Every file (relative to the root) a reader of this generation may open."""
        return {f for parts in self.files.values() for files in parts.values() for f in files}


def read_generation(catalog: Path) -> Generation:
    """The generation a catalog file records."""
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        (number,) = con.execute("SELECT generation FROM published.generation").fetchone() or (0,)
        gen = Generation(int(number))
        for table, part, file in con.execute("SELECT * FROM published.files ORDER BY ALL").fetchall():
            parts = gen.files.setdefault(table, {})
            if file is not None:
                parts[part] = (*parts.get(part, ()), file)
        for table, columns, fingerprint in con.execute("SELECT * FROM published.tables").fetchall():
            gen.files.setdefault(table, {})
            gen.columns[table] = columns
            gen.fingerprints[table] = fingerprint
        gen.loads = frozenset(r[0] for r in con.execute("SELECT load_id FROM published.loads").fetchall())
        return gen
    finally:
        con.close()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def view_sql(shape: TableShape, files: list[Path]) -> str:
    """CREATE VIEW over exactly these files, columns in the table's order and types (an empty table too)."""
    cols = ", ".join(f"CAST({ident(c)} AS {t}) AS {ident(c)}" for c, t in shape.columns)
    if not files:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {ident(c)}" for c, t in shape.columns)
        return f"CREATE VIEW {ident(shape.name)} AS SELECT {nulls} WHERE false"
    listed = ", ".join(_literal(str(f)) for f in files)
    hive = ", ".join(f"{_literal(c)}: {_literal(shape.type_of(c))}" for c in shape.partition_by)
    options = f", hive_partitioning = true, hive_types = {{{hive}}}" if shape.partition_by else ""
    return f"CREATE VIEW {ident(shape.name)} AS SELECT {cols} FROM read_parquet([{listed}]{options})"


def write_catalog(
    target: Path, root: Path, gen: Generation, shapes: list[TableShape],
    views: list[tuple[str, str, str, str]], warehouse: str,
) -> None:
    """A new catalog file at `target` (a temporary name): the views, the warehouse's own views, the record.

    Closed (checkpointed) and fsynced before it returns: the rename that makes it current must find it whole.
    """
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    try:
        con.execute("BEGIN TRANSACTION")
        for schema in sorted({s.name.split(".")[0] for s in shapes} | {v[0] for v in views}):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(schema)}")
        for shape in shapes:
            files = [root / f for part in sorted(gen.files.get(shape.name, {}).values()) for f in part]
            con.execute(view_sql(shape, files))
            if shape.comment:
                con.execute(f"COMMENT ON VIEW {ident(shape.name)} IS {_literal(shape.comment)}")
        for schema, name, text, comment in views:
            con.execute(f"SET schema = {_literal(schema)}")
            con.execute(text)
            if comment:
                con.execute(f"COMMENT ON VIEW {ident(schema + '.' + name)} IS {_literal(comment)}")
        con.execute("SET schema = 'main'")
        for statement in sql("create_published_state").split(";"):
            if statement.strip():
                con.execute(statement)
        string = pl.String()
        state = {
            "generation_rows": pl.DataFrame([{"generation": gen.number, "warehouse": warehouse}],
                                            schema={"generation": pl.Int64, "warehouse": string}),
            "file_rows": pl.DataFrame(
                [{"table_name": t, "partition_path": p, "file": f}
                 for t, parts in gen.files.items() for p, fs in parts.items() for f in fs],
                schema={"table_name": string, "partition_path": string, "file": string}),
            "table_rows": pl.DataFrame(
                [{"table_name": s.name, "columns": s.columns_text,
                  "fingerprint": gen.fingerprints.get(s.name, "")} for s in shapes],
                schema={"table_name": string, "columns": string, "fingerprint": string}),
            "load_rows": pl.DataFrame([{"load_id": x} for x in sorted(gen.loads)],
                                      schema={"load_id": string}),
        }
        for name, table in state.items():
            con.register(name, ArrowStream(table))
        for statement in sql("insert_published_state").split(";"):
            if statement.strip():
                con.execute(statement)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
