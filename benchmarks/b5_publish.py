"""B5 publish: what the published view costs after a daily load of a large warehouse (issue 17).

The warehouse is B4's synthetic month (`b4_warehouse.generate`), its fee records rewritten in bill_date
order as daily loads lay them out (B4 spreads them round-robin over the days). Then: one full publish
(`pbw publish`), and a daily load (one day's records staged to Parquet and committed through
`replace_partitions`, the load step's transaction) followed by its publish. Target: the publish costs under
10% of the load.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks.b4_warehouse import generate
from benchmarks.sqlfile import sql
from schemas.consumption_records import SPEC
from warehouse.connection import writer
from warehouse.contract import LoadContext
from warehouse.publish import publish_changes, republish_everything
from warehouse.replace import replace_partitions

DAY = "2026-10-15"
TARGET_SHARE = 0.10


def cluster_by_day(path: Path) -> float:
    """Rewrite the fee records in bill_date order (how day-by-day loads leave them); returns seconds."""
    started = time.perf_counter()
    with writer(path) as con:
        for statement in sql("order_consumption_by_day").split(";"):
            if statement.strip():
                con.execute(statement)
    return time.perf_counter() - started


def copy_cost(path: Path) -> float:
    """Seconds to copy the warehouse file (and fsync it): what publishing a read copy per load would cost."""
    target = path.with_suffix(".copy")
    started = time.perf_counter()
    with path.open("rb") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst, 16 * 2**20)
        dst.flush()
        os.fsync(dst.fileno())
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def daily_load(path: Path, factor: int) -> tuple[float, float, int]:
    """Replace DAY with its rows (amounts scaled: new contents), then publish; (load s, publish s, rows)."""
    with writer(path) as con:
        rows = con.sql(sql("select_scaled_day"), params={"factor": factor, "day": DAY}).to_arrow_table()
        started = time.perf_counter()
        report = replace_partitions(con, SPEC, [DAY], [rows], LoadContext.of("bench-b5", "bench-domain"))
        loaded = time.perf_counter() - started
        published = publish_changes(con, path.parent / "published", str(path))
    assert published.tables, "the publish found nothing to do"
    return loaded, published.seconds, report.rows_loaded


def run(out_dir: Path, rows: int, customers: int) -> dict[str, Any]:
    """Generate, lay out by day, publish everything once, then two daily loads with their publishes."""
    path = out_dir / "b5.duckdb"
    shutil.rmtree(out_dir / "published", ignore_errors=True)
    path.unlink(missing_ok=True)
    report: dict[str, Any] = {"rows": rows, "customers": customers, "target_share": TARGET_SHARE}
    report["generate_s"] = generate(path, rows, customers)
    report["cluster_s"] = cluster_by_day(path)
    with writer(path) as con:
        report["publish_full_s"] = republish_everything(con, out_dir / "published", str(path)).seconds
    runs = [daily_load(path, factor) for factor in (3, 5)]
    load_s, publish_s, day_rows = min(runs, key=lambda r: r[0] + r[1])
    report.update(load_s=load_s, publish_s=publish_s, day_rows=day_rows, share=publish_s / load_s)
    report["met"] = report["share"] < TARGET_SHARE
    report["size_mb"] = path.stat().st_size / 2**20
    report["copy_s"] = copy_cost(path)
    path.unlink(missing_ok=True)
    shutil.rmtree(out_dir / "published", ignore_errors=True)
    return report
