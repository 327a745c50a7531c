"""The warehouse's SQL lives in `warehouse/sql/*.sql`; this reads a statement by its verb_object name."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql(name: str) -> str:
    """Text of `warehouse/sql/<name>.sql`; cached because statements are read on every load."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
