"""`pbw sql` on an idle warehouse (real console script) and `pbw export parquet` read back."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from wh_pages import days, fee_pages

from pipelines import sql_commands as cli
from warehouse.connection import writer
from warehouse.loaders.consumption_records import load_consumption

FIRST = date(2026, 2, 1)


@pytest.fixture
def warehouse(tmp_path: Path) -> tuple[Path, Decimal, int]:
    pages = fee_pages(tmp_path / "pages", days(FIRST, 3), 40, page_size=50)
    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        result = load_consumption(con, pages, [d.isoformat() for d in days(FIRST, 3)])
    return path, result.amount_totals["payment_amount"], result.rows_loaded


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_pbw_sql_console_script_on_idle_warehouse(warehouse: tuple[Path, Decimal, int]) -> None:
    path, total, rows = warehouse
    pbw = Path(sys.executable).with_name("pbw")
    query = "SELECT count(*) AS n, sum(payment_amount) AS total FROM billing.consumption_records"
    out = subprocess.run(
        [str(pbw), "sql", "--warehouse", str(path), "--format", "json", query],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(out.stdout) == [{"n": rows, "total": format(total, ".10f")}]


def test_pbw_sql_formats_file_and_stdin(
    warehouse: tuple[Path, Decimal, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, _, _ = warehouse
    query_file = tmp_path / "per_day.sql"
    query_file.write_text(
        "SELECT bill_date, count(*) AS n FROM billing.consumption_records GROUP BY 1 ORDER BY 1"
    )
    assert _run(["sql", "--warehouse", str(path), "--format", "csv", str(query_file)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows == [{"bill_date": d.isoformat(), "n": "40"} for d in days(FIRST, 3)]
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT 'x' AS answer"))
    assert _run(["sql", "--warehouse", str(path)]) == 0
    table = capsys.readouterr().out
    assert "answer" in table
    assert "(1 rows)" in table


def test_pbw_sql_prints_a_plain_table_without_type_rows(
    warehouse: tuple[Path, Decimal, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, _ = warehouse
    query = "SELECT 'acme' AS name, 1234.5600::DECIMAL(18,4) AS amount, NULL AS note UNION ALL " \
            "SELECT '北京云', 7, 'x' ORDER BY amount"
    assert _run(["sql", "--warehouse", str(path), query]) == 0
    assert capsys.readouterr().out == (
        "name       amount  note\n"
        "------  ---------  ----\n"
        "北京云     7.0000  x\n"
        "acme    1234.5600  NULL\n"
        "(2 rows)\n"
    )


def test_pbw_sql_nested_columns_in_csv_and_json(
    warehouse: tuple[Path, Decimal, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, _ = warehouse
    query = ("SELECT [1, 2] AS l, {'a': 1.50::DECIMAL(9,2), 'b': '北京'} AS s, '{\"k\": [1]}'::JSON AS j, "
             "MAP {'x': 1} AS m")
    assert _run(["sql", "--warehouse", str(path), "--format", "json", query]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"l": [1, 2], "s": {"a": "1.50", "b": "北京"}, "j": {"k": [1]}, "m": {"x": 1}}
    ]
    assert _run(["sql", "--warehouse", str(path), "--format", "csv", query]) == 0
    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert row == {"l": "[1, 2]", "s": '{"a": "1.50", "b": "北京"}', "j": '{"k": [1]}', "m": '{"x": 1}'}
    assert _run(["sql", "--warehouse", str(path), "--format", "csv", "SHOW ALL TABLES"]) == 0
    assert "consumption_records" in capsys.readouterr().out


def test_pbw_sql_missing_file_says_file_not_found(
    warehouse: tuple[Path, Decimal, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, _ = warehouse
    assert _run(["sql", "--warehouse", str(path), "nosuch.sql"]) == 2
    assert capsys.readouterr().err == (
        "pbw sql: nosuch.sql: file not found (an argument ending in .sql is read as a file)\n"
    )


def test_show_tables_and_pbw_tables_list_every_schema_with_descriptions(
    warehouse: tuple[Path, Decimal, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, _ = warehouse
    assert _run(["sql", "--warehouse", str(path), "--format", "csv", "show tables;"]) == 0
    shown = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert _run(["tables", "--warehouse", str(path), "--format", "csv"]) == 0
    listed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert shown == listed
    assert {r["schema"] for r in listed} == {"audit", "billing", "marts"}
    by_name = {f"{r['schema']}.{r['name']}": r for r in listed}
    assert by_name["billing.consumption_records"]["description"].startswith("Fee records (res-fee-records)")
    assert by_name["marts.focus_charges"]["kind"] == "view"
    assert [name for name, r in by_name.items() if not r["description"]] == []


def test_pbw_sql_is_read_only(
    warehouse: tuple[Path, Decimal, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, rows = warehouse
    assert _run(["sql", "--warehouse", str(path), "DELETE FROM billing.consumption_records"]) == 1
    assert "read-only" in capsys.readouterr().err
    assert (
        _run(
            [
                "sql",
                "--warehouse",
                str(path),
                "--format",
                "csv",
                "SELECT count(*) n FROM billing.consumption_records",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines()[1] == str(rows)


def test_export_parquet_is_hive_partitioned_and_complete(
    warehouse: tuple[Path, Decimal, int], tmp_path: Path
) -> None:
    path, total, rows = warehouse
    target = tmp_path / "parquet"
    assert (
        _run(
            [
                "export",
                "parquet",
                "--warehouse",
                str(path),
                "--table",
                "billing.consumption_records",
                "--to",
                str(target),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in target.iterdir()) == [f"bill_date={d.isoformat()}" for d in days(FIRST, 3)]
    table = ds.dataset(target, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == rows
    assert sum(table.column("payment_amount").to_pylist(), Decimal(0)) == total
    assert str(table.schema.field("payment_amount").type) == "decimal128(38, 10)"
