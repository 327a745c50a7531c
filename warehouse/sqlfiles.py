"""The warehouse's SQL lives in `warehouse/sql/*.sql`; this reads a statement by its verb_object name.

`finance` keeps its marts models in `finance/sql/` and reads them with `package="finance"`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def sql(name: str, package: str = "warehouse") -> str:
    """Text of `<package>/sql/<name>.sql`; cached because statements are read on every load."""
    return resources.files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
