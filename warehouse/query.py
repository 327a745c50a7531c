"""Read-only ad-hoc SQL on the warehouse: the query text and its result as text (`pbw sql`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl

from warehouse.connection import DEFAULT_DEADLINE_S, reader


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


def run_query(path: Path, text: str, deadline_s: float = DEFAULT_DEADLINE_S) -> pl.DataFrame:
    """Run `text` on a read-only connection, waiting up to `deadline_s` for a running writer."""
    with reader(path, deadline_s=deadline_s) as con:
        return con.sql(text).pl()
