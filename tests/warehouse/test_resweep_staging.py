"""Re-sweeps of several cycles in one run: each cycle stages, and so commits, only its own rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from wh_pages import fee_pages

from warehouse.contract import LoadContext
from warehouse.loaders.resweeps import ResweepRequest, stage_resweep
from warehouse.staging import stage_batches


def test_two_cycles_of_one_run_stage_their_own_rows(tmp_path: Path) -> None:
    """The cycles of a run's re-sweeps share its load id and spool folder; a shared staged path would hand
    the first cycle's commit the other cycle's rows (or both cycles' rows)."""
    context = LoadContext()
    spool = tmp_path / "spool"
    batches = {}
    for cycle, day, count in (("2026-09", date(2026, 9, 10), 14), ("2026-10", date(2026, 10, 10), 21)):
        pages = fee_pages(tmp_path / cycle, [day], per_day=count, page_size=100)
        requests = [ResweepRequest(cycle, f"cust-{i}", "restated", 2) for i in range(7)]
        batches[cycle] = stage_resweep(pages, cycle, requests, spool, context)
    assert {cycle: batch.rows.rows for cycle, batch in batches.items()} == {"2026-09": 14, "2026-10": 21}
    for cycle, batch in batches.items():
        staged = pl.read_parquet(batch.rows.files)
        assert staged.height == batch.rows.rows
        assert staged["bill_date"].cast(pl.String).str.slice(0, 7).unique().to_list() == [cycle]


def test_staging_into_a_folder_already_staged_is_refused(tmp_path: Path) -> None:
    """Two loads must never share a staged folder: the second would add its parts to the first's."""
    frame = pl.DataFrame({"id": ["a", "b"]})
    assert stage_batches([frame], tmp_path / "rows").rows == 2
    with pytest.raises(FileExistsError, match="staged already"):
        stage_batches([frame], tmp_path / "rows")
