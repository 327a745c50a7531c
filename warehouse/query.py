"""Read-only ad-hoc SQL on the warehouse: the query text and its result as text (`pbw sql`).

Results are DuckDB's own rows and type names (no dataframe in between): every DuckDB type prints, nested
values (lists, structs, maps, JSON) become JSON text in a table or CSV and real JSON in JSON output, and
money stays exact decimal text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from warehouse.connection import DEFAULT_DEADLINE_S, reader
from warehouse.sqlfiles import sql

_SHOW_TABLES = re.compile(r"^\s*show\s+tables\s*;?\s*$", re.IGNORECASE)
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


@dataclass(frozen=True)
class QueryResult:
    """Column names, their DuckDB type names and the rows of one query."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def query_text(arg: str | None) -> str:
    """The query from an argument (text or a .sql file) or stdin; a `.sql` name that is no file is an
    error naming it (not a parser error about the file name)."""
    if arg is None or arg == "-":
        return sys.stdin.read()
    name = arg.strip()
    if name.lower().endswith(".sql") and not re.search(r"\s", name):
        path = Path(name)
        if not path.is_file():
            raise FileNotFoundError(f"{name}: file not found (an argument ending in .sql is read as a file)")
        return path.read_text(encoding="utf-8")
    return arg


def run_query(path: Path, text: str, deadline_s: float = DEFAULT_DEADLINE_S) -> QueryResult:
    """Run `text` on a read-only connection, waiting up to `deadline_s` for a running writer.

    `SHOW TABLES` lists the tables of every schema (DuckDB's shows only `main`, where nothing lives).
    """
    if _SHOW_TABLES.match(text):
        text = sql("select_table_catalog")
    with reader(path, deadline_s=deadline_s) as con:
        relation = con.sql(text)
        if relation is None:  # a statement without a result (SET, PRAGMA ...)
            return QueryResult((), (), [])
        types = tuple(str(t) for t in relation.types)
        return QueryResult(tuple(relation.columns), types, relation.fetchall())


def table_catalog(path: Path, deadline_s: float = DEFAULT_DEADLINE_S) -> QueryResult:
    """Schema, name, kind and one-line description of every table and view (`pbw sql --tables`)."""
    return run_query(path, sql("select_table_catalog"), deadline_s)


def _plain(value: Any, json_text: bool) -> Any:
    """A value JSON can hold: exact decimals as text, times in ISO form, nested values kept nested."""
    if json_text and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _plain(v, False) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, False) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def cell(value: Any, null: str = "") -> str:
    """One value as text: nested values as JSON, decimals exact, None as `null`."""
    if value is None:
        return null
    if isinstance(value, dict | list | tuple):
        return json.dumps(_plain(value, False), ensure_ascii=False)
    plain = _plain(value, False)
    return plain if isinstance(plain, str) else str(plain)


def format_result(result: QueryResult, fmt: str) -> str:
    """A result as a plain aligned table, CSV or JSON (money stays exact text in JSON)."""
    if fmt == "json":
        is_json = [t == "JSON" for t in result.types]
        rows = [{c: _plain(v, j) for c, v, j in zip(result.columns, row, is_json, strict=True)}
                for row in result.rows]
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([cell(v) for v in row] for row in result.rows)
        return out.getvalue()
    return plain_table(result)


def width(text: str) -> int:
    """Terminal columns of `text`: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def plain_table(result: QueryResult) -> str:
    """Header, a rule, the rows (numbers right-aligned) and the row count; no type rows."""
    texts = [[cell(v, "NULL") for v in row] for row in result.rows]
    widths = [max([width(c), *(width(r[i]) for r in texts)]) for i, c in enumerate(result.columns)]
    numeric = [t in _NUMERIC or t.startswith("DECIMAL(") for t in result.types]

    def line(values: list[str]) -> str:
        padded = ((v, " " * (w - width(v)), n) for v, w, n in zip(values, widths, numeric, strict=True))
        return "  ".join(pad + v if n else v + pad for v, pad, n in padded).rstrip()

    lines = [line(list(result.columns)), "  ".join("-" * w for w in widths)] if result.columns else []
    lines.extend(line(r) for r in texts)
    lines.append(f"({len(result.rows)} rows)")
    return "\n".join(lines) + "\n"
