"""The benchmarks' SQL lives in benchmarks/sql/verb_object.sql, like the warehouse's; this reads it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

SQL_DIR = Path(__file__).parent / "sql"


def sql(name: str) -> str:
    """The text of benchmarks/sql/`name`.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def bind(name: str, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The file's text and just the `$parameters` it names (DuckDB rejects unused named parameters)."""
    text = sql(name)
    used = set(re.findall(r"\$([a-z_]+)", text))
    return text, {k: v for k, v in values.items() if k in used}
