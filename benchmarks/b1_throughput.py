"""B1 throughput: records/s end to end for our pipeline code and its peers, on one sandbox, alternating.

The sandbox runs with its rate limit off, so the figures measure the loaders, not the API. Every
contender sweeps the same workload (customers with consumption over the same Beijing days, page size
1000) in a child process of its own; the order rotates each round so none always runs on a warm
sandbox cache. Medians of `b1_runs` rounds are reported with peak RSS and the ratios of the issue.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.api import Credentials
from benchmarks.harness import TODAY, ChildRun, Sandbox, Series, base_env, profile_path, run_child, sandbox
from benchmarks.scales import Scale
from benchmarks.workload import Workload, survey, sweep_key

OURS = "ours"
FETCH_ONLY = "fetch-only (httpx+orjson)"
DLT_ARROW = "dlt arrow resource"
DLT_PARQUET = "dlt rest_api parquet"
DLT_DEFAULTS = "dlt rest_api defaults"
DLT = (DLT_ARROW, DLT_PARQUET, DLT_DEFAULTS)
UNTHROTTLED = {"PBW_RATE_LIMIT": "100000", "PBW_RESELLERS": "off"}
WARM_TIMEOUT_S = 900.0
"""The sandbox's limit is off in B1 and B3, so our client's own token bucket must not stand in for it. Both
measure the distributor's own view (the workload and its peers' survey), so the reseller views are off."""


def last_full_month(box: Sandbox) -> tuple[date, date]:
    """First and last Beijing day of the month before the sandbox clock's month: all of it is served.

    The sandbox builds a customer's whole cycle at once, so sweeping a full month costs it no records
    that nobody asks for.
    """
    today = date.fromisoformat(box.get("/_sandbox/clock")["today"])
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def warm_cache(scale: Scale) -> list[str]:
    """A sandbox cache that holds the whole workload, generated before serving: with a smaller cache every
    sweep regenerates its records (LRU over a sequential sweep), which made the sandbox, not the loaders,
    the bottleneck at 1M records (~15 µs of sandbox CPU per record instead of ~4)."""
    month = (date.fromisoformat(TODAY).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    records = scale.b1_customers * scale.b1_records_per_day * 31
    return ["--cache-records", str(int(records * 1.2) + 10_000), "--warm", month]


def fee_calls(stats: dict[str, Any]) -> int | None:
    """res-fee-records requests since the last reset (200s and throttled alike)."""
    requests = stats.get("requests")
    if not isinstance(requests, dict):
        return None
    total = 0
    for key, value in requests.items():
        if "res-fee-records" in key and "sub-customers" not in key:
            total += value if isinstance(value, int) else int(value.get("total", 0))
    return total


def failed(done: ChildRun) -> bool:
    """A child that crashed, reported nothing, or whose Dagster run failed."""
    return done.returncode != 0 or "records" not in done.result or not done.result.get("runs_ok", True)


Runner = Callable[[dict[str, str], Path], ChildRun]


def contenders(work: Path, subset: Path) -> dict[str, Runner]:
    """Each contender as a function of (environment, fresh output folder): one child process per call."""
    def ours(env: dict[str, str], out: Path) -> ChildRun:
        env = {**env, **UNTHROTTLED, "PBW_WAREHOUSE": str(out / "warehouse.duckdb"),
               "DAGSTER_HOME": str(out / "dagster")}
        return run_child("benchmarks.ours", [str(work), str(out)], env)

    def dlt(mode: str, workload: Path) -> Runner:
        return lambda env, out: run_child("benchmarks.peers.dlt_source", [mode, str(workload), str(out)], env)

    return {
        OURS: ours,
        FETCH_ONLY: lambda env, out: run_child("benchmarks.peers.fetch_only", [str(work)], env),
        DLT_ARROW: dlt("arrow", work),
        DLT_PARQUET: dlt("parquet", work),
        DLT_DEFAULTS: dlt("defaults", subset),
    }


def subset_workload(workload: Workload, max_records: int) -> Workload:
    """The first sweeps of the workload holding at most `max_records` (at least one sweep)."""
    chosen: list[dict[str, str]] = []
    total = 0
    for sweep in workload.sweeps:
        n = workload.sizes[sweep_key(sweep)]
        if chosen and total + n > max_records:
            break
        chosen.append(sweep)
        total += n
    return Workload(workload.begin, workload.end, chosen, total,
                    {sweep_key(s): workload.sizes[sweep_key(s)] for s in chosen})


def run(scale: Scale, out: Path) -> dict[str, Any]:
    """Start the sandbox, survey the workload, run every contender `b1_runs` times, summarise."""
    with sandbox(customers=scale.b1_customers, records_per_day=scale.b1_records_per_day,
                 rate_limit="off", extra_args=warm_cache(scale), start_timeout=WARM_TIMEOUT_S) as box:
        begin, end = last_full_month(box)
        creds = Credentials.from_env(box.env)
        workload = survey(creds, begin, end)
        work = workload.write(out / "work.json")
        subset = subset_workload(workload, scale.b1_dlt_defaults_max_records)
        subset_file = subset.write(out / "work_dlt_defaults.json")
        env = base_env(box.env)
        runners = contenders(work, subset_file)
        series = {name: Series(name) for name in runners}
        order = list(runners)
        failures: dict[str, str] = {}
        for round_no in range(scale.b1_runs):
            for i, name in enumerate(order[round_no % len(order):] + order[:round_no % len(order)]):
                box.reset_stats()
                sandbox_cpu = box.cpu_s()
                done = runners[name](env, out / f"round{round_no}" / f"c{i}")
                sandbox_cpu = box.cpu_s() - sandbox_cpu
                stats = box.stats()
                if failed(done):
                    failures[name] = done.stderr_tail[-1500:]
                    continue
                seconds = float(done.result["seconds"])
                series[name].add(records=done.result["records"], seconds=seconds, wall_s=done.wall_s,
                                 records_per_s=done.result["records"] / seconds,
                                 peak_rss_mb=done.peak_rss_mb, fee_calls=fee_calls(stats),
                                 cpu_us_per_record=1e6 * float(done.result["cpu_s"]) / done.result["records"],
                                 sandbox_cpu_us_per_record=1e6 * sandbox_cpu / done.result["records"])
            shutil.rmtree(out / f"round{round_no}", ignore_errors=True)
        profile = profile_path("b1_ours")
        if profile is not None:
            ours_env = {**env, **UNTHROTTLED, "PBW_WAREHOUSE": str(out / "profiled" / "warehouse.duckdb"),
                        "DAGSTER_HOME": str(out / "profiled" / "dagster")}
            run_child("benchmarks.ours", [str(work), str(out / "profiled")], ours_env, profile=profile)
    return summarise(workload, subset, series, failures)


def summarise(workload: Workload, subset: Workload, series: dict[str, Series],
              failures: dict[str, str]) -> dict[str, Any]:
    """Medians per contender, the issue's ratios and whether its targets were met."""
    table: dict[str, dict[str, Any]] = {}
    for name, s in series.items():
        expected = subset.expected_records if name == DLT_DEFAULTS else workload.expected_records
        table[name] = {
            "runs": len(s.runs),
            "records": s.median("records"),
            "expected_records": expected,
            "records_match": all(r["records"] == expected for r in s.runs) if s.runs else None,
            "records_per_s": s.median("records_per_s"),
            "seconds": s.median("seconds"),
            "wall_s": s.median("wall_s"),
            "peak_rss_mb": s.median("peak_rss_mb"),
            "fee_calls": s.median("fee_calls"),
            "cpu_us_per_record": s.median("cpu_us_per_record"),
            "sandbox_cpu_us_per_record": s.median("sandbox_cpu_us_per_record"),
            "all_runs": s.runs,
        }
    ours = table[OURS]["records_per_s"]
    fetch = table[FETCH_ONLY]["records_per_s"]
    dlt_rates = {n: table[n]["records_per_s"] for n in DLT if table[n]["records_per_s"]}
    dlt_best = max(dlt_rates, key=lambda n: dlt_rates[n]) if dlt_rates else None
    ratios: dict[str, Any] = {
        "vs_fetch_only": ours / fetch if ours and fetch else None,
        "dlt_best": dlt_best,
        "vs_dlt_best": ours / dlt_rates[dlt_best] if ours and dlt_best else None,
    }
    return {
        "workload": {"begin": workload.begin.isoformat(), "end": workload.end.isoformat(),
                     "sweeps": len(workload.sweeps), "records": workload.expected_records,
                     "dlt_defaults_records": subset.expected_records},
        "contenders": table,
        "ratios": ratios,
        "targets": {
            "vs_fetch_only": None if ratios["vs_fetch_only"] is None else ratios["vs_fetch_only"] >= 1.0,
            "vs_dlt_best": None if ratios["vs_dlt_best"] is None else ratios["vs_dlt_best"] >= 3.0,
        },
        "failures": failures,
    }
