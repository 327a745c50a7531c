"""B5 publish: what the published view costs after a daily load of a large warehouse (issue 17).

The warehouse is B4's synthetic month (`b4_warehouse.generate`) written for the sandbox's partner account, its
fee records rewritten in bill_date order as daily loads lay them out (B4 spreads them round-robin over the
days), published whole once (`pbw publish`). Then the daily load: the `consumption_records` run of one day
(`benchmarks.ours`, a child, as `pbw backfill` runs it) against a sandbox (161k fee records a day, see
SANDBOX_RECORDS_PER_DAY), its rate limit off: the fastest such a load can be (against the real API's 10
requests/s its pages alone take pages / 10 s), so the share is an upper bound. The day is loaded twice (a
rerun replaces it): the first run has the sandbox generate its month, the second is timed. Publishing is off
in those runs; the publish that would follow is timed on its own, on the same files. Target: under 10% of the
load.
For scale it also times the load's commit alone (one day of synthetic rows through `replace_partitions`, the
load step's transaction) with its publish, and a copy of the warehouse file (the read-copy alternative).
"""

from __future__ import annotations

import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from benchmarks.b1_throughput import UNTHROTTLED, failed
from benchmarks.b4_warehouse import generate
from benchmarks.harness import base_env, run_child, sandbox
from benchmarks.sqlfile import sql
from schemas.consumption_records import SPEC
from warehouse.connection import writer
from warehouse.contract import LoadContext
from warehouse.publish import publish_changes, republish_everything
from warehouse.replace import replace_partitions

DAY = "2026-10-15"
COMMIT_DAY = "2026-10-16"
DAYS = 31
SANDBOX_CUSTOMERS = 100
SANDBOX_RECORDS_PER_DAY = 1_613
"""The sandbox generates every customer's whole month to answer one day (its consuming-customers view reads
them all), so its day is B3's largest (100 x 1,613 = 161k records; 5M in the month) rather than the
warehouse's ~1M: a 30M-row warehouse of half a year of such days, loaded one day at a time."""
PAGE_SIZE = 1000
API_RATE = 10.0
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


def publish(path: Path) -> tuple[float, float, int]:
    """Publish what the warehouse has that the view has not; (seconds, CPU seconds, partitions written)."""
    with writer(path) as con:
        cpu = time.process_time()
        report = publish_changes(con, path.parent / "published", str(path))
        cpu_s = time.process_time() - cpu
    assert report.tables, "the publish found nothing to do"
    return report.seconds, cpu_s, report.partitions


def daily_load(path: Path, box_env: dict[str, str], out: Path) -> dict[str, Any]:
    """The consumption_records run of DAY into the big warehouse (publishing off), then its publish."""
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work.json"
    work.write_bytes(orjson.dumps({"begin": DAY, "end": DAY}))
    env = base_env({**box_env, **UNTHROTTLED, "PBW_WAREHOUSE": str(path), "PBW_PUBLISHED": "off",
                    "DAGSTER_HOME": str(out / "dagster")})
    for attempt in ("warm-up", "timed"):  # the first run has the sandbox generate its month: not the load's
        done = run_child("benchmarks.ours", [str(work), str(out / attempt)], env)
        if failed(done):
            raise RuntimeError(f"the {attempt} daily load failed (rc {done.returncode}, {done.result}): "
                               f"{done.stderr_tail[-600:]}")
    with writer(path) as con:
        (day_rows,) = con.execute(sql("select_day_count"), {"day": DAY}).fetchone() or (0,)
    publish_s, publish_cpu_s, partitions = publish(path)
    return {"load_s": done.result["seconds"], "load_cpu_s": done.result["cpu_s"], "day_rows": day_rows,
            "load_peak_rss_mb": done.peak_rss_mb, "publish_s": publish_s, "publish_cpu_s": publish_cpu_s,
            "partitions": partitions, "cpu_share": publish_cpu_s / done.result["cpu_s"],
            "api_floor_s": math.ceil(day_rows / PAGE_SIZE) / API_RATE}


def commit_only(path: Path, domain: str) -> tuple[float, float, int]:
    """COMMIT_DAY replaced with its rows scaled (new contents) by the load's transaction alone, then its
    publish; (commit s, publish s, rows)."""
    with writer(path) as con:
        rows = pl.DataFrame(con.sql(sql("select_scaled_day"), params={"factor": 3, "day": COMMIT_DAY}))
        started = time.perf_counter()
        report = replace_partitions(con, SPEC, [COMMIT_DAY], [rows], LoadContext.of("bench-b5", domain))
        loaded = time.perf_counter() - started
    publish_s, _, _ = publish(path)
    return loaded, publish_s, report.rows_loaded


def run(out_dir: Path, rows: int, customers: int) -> dict[str, Any]:
    """Generate, lay out by day, publish everything once, then a daily load and its publish."""
    path = out_dir / "b5.duckdb"
    shutil.rmtree(out_dir / "published", ignore_errors=True)
    shutil.rmtree(out_dir / "load", ignore_errors=True)
    path.unlink(missing_ok=True)
    report: dict[str, Any] = {"rows": rows, "customers": customers, "target_share": TARGET_SHARE}
    per_customer = min(SANDBOX_RECORDS_PER_DAY, math.ceil(rows / DAYS / SANDBOX_CUSTOMERS))
    cache = str(per_customer * SANDBOX_CUSTOMERS * DAYS + 100_000)  # the timed run's pages come from memory
    with sandbox(customers=SANDBOX_CUSTOMERS, records_per_day=per_customer, rate_limit="off",
                 extra_args=("--cache-records", cache)) as box:
        report["domain"] = box.env["HUAWEICLOUD_SDK_DOMAIN_ID"]
        report["generate_s"] = generate(path, rows, customers, report["domain"])
        report["cluster_s"] = cluster_by_day(path)
        with writer(path) as con:
            report["publish_full_s"] = republish_everything(con, out_dir / "published", str(path)).seconds
        report.update(daily_load(path, box.env, out_dir / "load"))
    report["share"] = report["publish_s"] / report["load_s"]
    report["met"] = report["share"] < TARGET_SHARE
    commit_s, commit_publish_s, commit_rows = commit_only(path, report["domain"])
    report.update(commit_s=commit_s, commit_publish_s=commit_publish_s, commit_rows=commit_rows)
    report["size_mb"] = path.stat().st_size / 2**20
    report["copy_s"] = copy_cost(path)
    path.unlink(missing_ok=True)
    shutil.rmtree(out_dir / "published", ignore_errors=True)
    return report
