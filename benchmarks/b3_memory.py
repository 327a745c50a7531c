"""B3 memory: peak RSS of one partition-range run of consumption records at growing sizes.

Each size gets its own sandbox (records per customer per day set to reach it) and one child running
our pipeline code over the last full month (one run, the single-run backfill of its daily partitions);
RSS of the child and its children is sampled every 20 ms. Memory that grows with the data shows as a
peak that grows with the size. A child that only imports the pipeline (`python -m benchmarks.b3_memory`)
gives the floor every run starts from, so each point also says what the run itself added.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from benchmarks.api import Credentials
from benchmarks.b1_throughput import UNTHROTTLED, failed, last_full_month
from benchmarks.harness import base_env, emit, run_child, sandbox
from benchmarks.scales import Scale
from benchmarks.workload import survey

GROWTH_TARGET = 1.5
ABSOLUTE_TARGET_MB = 300.0


def imports_peak_mb() -> float:
    """Peak RSS of a child that imports the Dagster definitions and nothing else (the run's floor)."""
    done = run_child("benchmarks.b3_memory", [], base_env())
    return float(done.result.get("peak_rss_mb", done.peak_rss_mb))


def measure(records_per_day: int, customers: int, out: Path) -> dict[str, Any]:
    """One sandbox at `records_per_day` per customer, one run of ours over its last full month."""
    out.mkdir(parents=True, exist_ok=True)
    with sandbox(customers=customers, records_per_day=records_per_day, rate_limit="off") as box:
        begin, end = last_full_month(box)
        workload = survey(Credentials.from_env(box.env), begin, end)
        work = workload.write(out / "work.json")
        env = base_env({**box.env, **UNTHROTTLED, "PBW_WAREHOUSE": str(out / "warehouse.duckdb"),
                        "DAGSTER_HOME": str(out / "dagster")})
        done = run_child("benchmarks.ours", [str(work), str(out / "ours")], env)
    point: dict[str, Any] = {"records": workload.expected_records, "records_per_day": records_per_day,
                             "peak_rss_mb": done.peak_rss_mb, "wall_s": done.wall_s,
                             "returncode": done.returncode}
    if failed(done):
        point["error"] = done.stderr_tail[-1500:]
        return point
    point["loaded"] = done.result["records"]
    point["seconds"] = done.result["seconds"]
    point["records_per_s"] = done.result["records"] / done.result["seconds"]
    point["records_match"] = done.result["records"] == workload.expected_records
    return point


def run(scale: Scale, out: Path) -> dict[str, Any]:
    """Every size of the scale, smallest first; growth is the largest peak over the smallest."""
    floor = imports_peak_mb()
    points = [measure(n, scale.b3_customers, out / str(n)) for n in scale.b3_records_per_day]
    for point in points:
        point["run_added_mb"] = point["peak_rss_mb"] - floor
    peaks = [p["peak_rss_mb"] for p in points if "error" not in p]
    ok = len(peaks) == len(points) and peaks
    growth = peaks[-1] / peaks[0] if ok else None
    return {
        "points": points,
        "imports_peak_mb": floor,
        "growth": growth,
        "largest_peak_mb": peaks[-1] if ok else None,
        "targets": {
            "growth": None if growth is None else growth <= GROWTH_TARGET,
            "absolute": None if not ok else peaks[-1] <= ABSOLUTE_TARGET_MB,
        },
    }


def main() -> None:
    """The floor: import what a run imports, report this process's own high-water mark (VmHWM)."""
    import pipelines.definitions  # noqa: F401

    status = Path("/proc/self/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    emit({"peak_rss_mb": int(match.group(1)) / 1024} if match else {})


if __name__ == "__main__":
    main()
