"""A load's rows and their evidence commit together or not at all, and a rerun does not pile up evidence.

A crash between a load's rows and its quarantine rows (the quarantine write raising) must leave the
partition's rows, the quarantine and the load log exactly as they were; reloading the same bad page must
show its reject once, not once per run. Real DuckDB files, the real consumption loader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from wh_helpers import table_checksum
from wh_pages import Raw, fee_record, write_page

from warehouse import replace
from warehouse.connection import writer
from warehouse.loaders.consumption_records import load_consumption

DAY = date(2026, 1, 15)


def page(path: Path, first: int, amounts: list[str]) -> Path:
    """Fee records of DAY with the given amounts; the third has a bill_detail_type that is no integer."""
    records = [fee_record(first + i, DAY, Raw(a)) for i, a in enumerate(amounts)]
    records[2]["bill_detail_type"] = "usage"
    return write_page(path, records)


def state(con: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    return (
        con.execute("SELECT count(*), sum(payment_amount) FROM billing.consumption_records").fetchall(),
        table_checksum(con, "billing.consumption_records"),
        con.execute("SELECT record_key, reasons FROM audit.quarantine ORDER BY 1").fetchall(),
        con.execute(
            "SELECT load_id, rows_loaded, rows_quarantined FROM audit.load_log ORDER BY 1"
        ).fetchall(),
    )


def test_a_crash_between_rows_and_their_quarantine_leaves_the_warehouse_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = page(tmp_path / "a.json", 0, ["1.00", "2.00", "3.00", "4.00"])
    after = page(tmp_path / "b.json", 100, ["10.00", "20.00", "30.00", "40.00", "50.00"])
    real_insert = replace.insert_arrow

    def crash_on_quarantine(con: duckdb.DuckDBPyConnection, table: str, batch: Any) -> int:
        if table == "audit.quarantine":
            raise OSError("disk full while writing the quarantine")
        return real_insert(con, table, batch)

    with writer(tmp_path / "w.duckdb") as con:
        first = load_consumption(con, [before], [DAY.isoformat()], load_id="load-1")
        assert (first.rows_loaded, first.rows_quarantined) == (3, 1)
        old = state(con)
        assert old[0] == [(3, Decimal("7.00"))]
        monkeypatch.setattr(replace, "insert_arrow", crash_on_quarantine)
        with pytest.raises(OSError, match="disk full"):
            load_consumption(con, [after], [DAY.isoformat()], load_id="load-2")
        assert state(con) == old
    with writer(tmp_path / "w.duckdb") as con:  # and so it stays after reopening the file
        assert state(con) == old


def test_reloading_the_same_bad_page_shows_its_reject_once(tmp_path: Path) -> None:
    bad = page(tmp_path / "a.json", 0, ["1.00", "2.00", "3.00"])
    with writer(tmp_path / "w.duckdb") as con:
        for load_id in ("load-1", "load-2"):
            load_consumption(con, [bad], [DAY.isoformat()], load_id=load_id)
        rejects = con.execute("SELECT record_key, load_id FROM audit.quarantine").fetchall()
        loaded = con.execute(
            "SELECT count(*), sum(payment_amount) FROM billing.consumption_records"
        ).fetchall()
    assert rejects == [("fee-00000002", "load-2")]
    assert loaded == [(2, Decimal("3.00"))]
