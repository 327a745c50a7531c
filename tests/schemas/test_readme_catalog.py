"""The README's table catalog documents every column of every contract, under the table's own heading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from contract_specs import SPECS

from schemas.columns import DatasetSpec

README = Path(__file__).resolve().parents[2] / "README.md"


def catalog_section(table: str) -> str:
    """The README text between `#### `table`` and the next heading."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^#### `{re.escape(table)}`\n(.*?)(?=^#)", text, flags=re.S | re.M)
    assert match, f"README has no catalog section for {table}"
    return match.group(1)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_every_column_is_documented_with_its_type(spec: DatasetSpec) -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| ([A-Z0-9(), ]+?) \|", catalog_section(spec.table), flags=re.M))
    expected = {c.name: c.duckdb_type for c in spec.all_columns}
    assert rows == expected
