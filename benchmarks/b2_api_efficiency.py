"""B2 API efficiency: one daily run (lookback k) against a sandbox limited to 10 requests/s per API.

Calls and throttled answers come from the sandbox's own `/_sandbox/stats`. The minimum the data
needs is computed on a twin sandbox (same seed, no rate limit, so the survey costs no time): one call
per started page of each sweep a daily run must make, at the largest page size each API accepts.
The run is `pbw run --date D --lookback k` in a child process, as an operator would start it.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks import api
from benchmarks.api import Credentials
from benchmarks.harness import TODAY, Sandbox, base_env, run_child, sandbox
from benchmarks.scales import Scale
from benchmarks.workload import month_ranges

SEED = 11
BALANCE_TYPES = ("BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT")
CHARGE_MODES = ("1", "3", "11")
CALLS_TARGET = 1.05
WALL_TARGET = 1.1
THROTTLED_TARGET = 0.01
WARM_TIMEOUT_S = 900.0
"""Generating two months of 2,000 customers before the sandbox answers takes minutes on 2 cores."""


def pages(count: int, limit: int) -> int:
    """Calls one sweep needs: every started page, and one call even when the answer is empty."""
    return max(1, math.ceil(count / limit))


def fee_page_size(client: httpx.Client, creds: Credentials, params: dict[str, str]) -> int:
    """1000 if res-fee-records accepts it, else the documented 100."""
    try:
        api.call(client, creds, "GET", api.FEE_RECORDS, params={**params, "offset": 0, "limit": 1000})
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code == 400:
            return 100
        raise
    return 1000


def cycles_to_refresh(day: date) -> list[str]:
    """Monthly bills a run for D pulls: D's month, and the one before.

    The previous month is pulled until it is final and, after that, as the spot check that catches a
    restatement (ARCHITECTURE.md: a restatement after finalization is recorded, never missed).
    """
    return [(day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"), day.strftime("%Y-%m")]


def warm_args(day: date) -> list[str]:
    """`--warm` for the months the run reads (the older first, so D's month stays cached): the timed run
    then measures the rate limit and our pipeline, not the sandbox generating 2,000 customers' records."""
    return [arg for cycle in cycles_to_refresh(day) for arg in ("--warm", cycle)]


def minimum_calls(creds: Credentials, day: date, lookback: int) -> dict[str, int]:
    """Calls per endpoint that the data of a daily run for `day` needs, asked of the twin sandbox.

    A distributor's data is every view: its own and each reseller's (`indirect_partner_id`), each swept
    for what it holds (consuming customers, bills, account changes, customers and their balances, balances,
    allocations), plus the reseller list once and the quotas issued to resellers with their records once.
    """
    begin = day - timedelta(days=lookback)
    need: dict[str, int] = {}
    with httpx.Client(timeout=120) as client:
        resellers = api.list_ids(client, creds, api.RESELLERS, "indirect_partners", "indirect_partner_id")
        views: list[dict[str, str]] = [{}, *({"indirect_partner_id": r} for r in resellers)]
        need[api.RESELLERS] = pages(len(resellers), api.LIST_PAGE)
        customers = [api.list_ids(client, creds, api.SUB_CUSTOMERS, "customer_infos", "customer_id", view)
                     for view in views]
        need[api.SUB_CUSTOMERS] = sum(pages(len(ids), api.LIST_PAGE) for ids in customers)
        need[api.CUSTOMER_BALANCES] = sum(math.ceil(len(ids) / api.LIST_PAGE) for ids in customers)
        fee = consume = 0
        for (cycle, first, last), view in ((r, v) for r in month_ranges(begin, day) for v in views):
            consuming = api.consuming_customers(client, creds, cycle, view)
            consume += pages(len(consuming), api.LIST_PAGE)
            limit = 0
            for customer in consuming:
                params = {"customer_id": customer, "bill_cycle": cycle,
                          "bill_date_begin": first.isoformat(), "bill_date_end": last.isoformat(), **view}
                limit = limit or fee_page_size(client, creds, params)
                fee += pages(api.total_count(client, creds, api.FEE_RECORDS, params), limit)
        need[api.CONSUME_CUSTOMERS] = consume
        need[api.FEE_RECORDS] = fee
        need[api.MONTHLY_SUM] = sum(
            pages(api.total_count(client, creds, api.MONTHLY_SUM,
                                  {"cycle": cycle, "charge_mode": mode, **view}, count_key="count"),
                  api.LIST_PAGE)
            for cycle in cycles_to_refresh(day) for view in views for mode in CHARGE_MODES
        )
        need[api.ACCOUNT_CHANGES] = sum(
            pages(api.total_count(client, creds, api.ACCOUNT_CHANGES,
                                  {"balance_type": balance, "trade_time_begin": begin.isoformat(),
                                   "trade_time_end": day.isoformat(), **view}), api.LIST_PAGE)
            for view in views for balance in BALANCE_TYPES
        )
        need[api.BALANCES] = len(views)
        need[api.ADJUST_RECORDS] = sum(
            pages(api.total_count(client, creds, api.ADJUST_RECORDS, view), api.LIST_PAGE) for view in views
        )
        for path in (api.ISSUED_QUOTAS, api.QUOTA_RECORDS) if resellers else ():
            need[path] = pages(api.total_count(client, creds, path, {}), api.LIST_PAGE)
    return need


def _count(value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return sum(_count(v) for v in value.values())
    return 0


def calls_by_endpoint(stats: dict[str, Any]) -> dict[str, int]:
    """Requests per API path from the sandbox's stats, control paths excluded."""
    requests = stats.get("requests", {})
    return {path: _count(n) for path, n in requests.items() if not path.startswith("/_sandbox")}


def run(scale: Scale, out: Path) -> dict[str, Any]:
    """Run one daily run against the limited sandbox; compare with the twin's minimum."""
    day = date.fromisoformat(TODAY) - timedelta(days=1)
    sizes: dict[str, Any] = {"seed": SEED, "customers": scale.b2_customers,
                             "records_per_day": scale.b2_records_per_day,
                             "extra_args": warm_args(day), "start_timeout": WARM_TIMEOUT_S}
    with sandbox(rate_limit=str(scale.b2_rate_limit), **sizes) as box:
        with sandbox(rate_limit="off", **sizes) as twin:
            minimum = minimum_calls(Credentials.from_env(twin.env), day, scale.b2_lookback)
        box.reset_stats()
        done = _daily_run(box, day, scale, out)
        stats = box.stats()
    calls = calls_by_endpoint(stats)
    total = sum(calls.values())
    window = done["api_window_s"]
    throttled = _count(stats.get("throttled", 0))
    minimum_total = sum(minimum.values())
    ideal = total / scale.b2_rate_limit
    bottleneck = max(calls.values(), default=0) / scale.b2_rate_limit
    result = {
        "day": day.isoformat(), "lookback": scale.b2_lookback, "rate_limit": scale.b2_rate_limit,
        "customers": scale.b2_customers, "returncode": done["returncode"],
        "calls": total, "calls_by_endpoint": calls, "minimum_calls": minimum_total,
        "minimum_by_endpoint": minimum, "calls_ratio": total / minimum_total if minimum_total else None,
        "wall_s": done["wall_s"], "ideal_s": ideal, "wall_ratio": done["wall_s"] / ideal if ideal else None,
        "api_window_s": window, "window_ratio": window / ideal if window and ideal else None,
        "api_first_s": done["api_first_s"], "api_last_s": done["api_last_s"], "steps": done["steps"],
        "bottleneck_api_s": bottleneck, "throttled": throttled,
        "throttled_share_pct": 100 * throttled / total if total else None, "stats": stats,
    }
    if done["returncode"] != 0:
        result["error_tail"] = done["stderr_tail"]
    result["targets"] = {
        "calls": None if result["calls_ratio"] is None else result["calls_ratio"] <= CALLS_TARGET,
        "wall": None if result["window_ratio"] is None else result["window_ratio"] <= WALL_TARGET,
        "throttled": None if not total else throttled / total <= THROTTLED_TARGET,
    }
    return result


class ApiWindow:
    """Polls `/_sandbox/stats` while the run goes: when the first API call came and when the last did.

    The run's wall time also holds process start-up, Dagster's run set-up and the loads after the last
    call; the window is the part the rate limit governs.
    """

    def __init__(self, box: Sandbox, every: float = 0.25) -> None:
        self.box = box
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                calls = sum(calls_by_endpoint(self.box.stats()).values())
            except httpx.HTTPError:
                continue  # the sandbox is busy answering a slow request; ask again
            self.samples.append((time.monotonic(), calls))
            self._stop.wait(self.every)

    def __enter__(self) -> ApiWindow:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def bounds(self) -> tuple[float, float] | None:
        """Monotonic times: the last sample before any call, the first that saw the final count."""
        if not self.samples or self.samples[-1][1] == 0:
            return None
        final = self.samples[-1][1]
        before = max((t for t, n in self.samples if n == 0), default=self.samples[0][0])
        done = min(t for t, n in self.samples if n == final)
        return before, done

    def seconds(self) -> float | None:
        """From the last sample before any call to the first sample that saw the final count."""
        bounds = self.bounds()
        return None if bounds is None else bounds[1] - bounds[0]


def step_timeline(home: Path, since: float) -> dict[str, list[float]]:
    """Seconds after `since` (epoch) at which each step of the run's Dagster runs started and ended.

    Says where the wall time outside the API window goes: process start-up, step start-up, loads, checks.
    """
    from dagster import DagsterEventType, DagsterInstance

    kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
    timeline: dict[str, list[float]] = {}
    with DagsterInstance.from_config(str(home)) as instance:
        for run in instance.get_runs():
            for record in instance.get_records_for_run(run.run_id, of_type=kinds, limit=10_000).records:
                key = f"{run.job_name}/{record.event_log_entry.step_key}"
                timeline.setdefault(key, []).append(round(record.timestamp - since, 2))
    return {key: [min(t), max(t)] for key, t in sorted(timeline.items(), key=lambda kv: min(kv[1]))}


def _daily_run(box: Sandbox, day: date, scale: Scale, out: Path) -> dict[str, Any]:
    """`pbw run --date D --lookback k` in a child with a fresh warehouse and Dagster home."""
    env = base_env({
        **box.env,
        "PBW_WAREHOUSE": str(out / "warehouse.duckdb"),
        "PBW_RATE_LIMIT": str(scale.b2_rate_limit),
        "PBW_LOOKBACK_DAYS": str(scale.b2_lookback),
        "DAGSTER_HOME": str(out / "dagster-home"),
    })
    (out / "dagster-home").mkdir(parents=True, exist_ok=True)
    args = ["run", "--date", day.isoformat(), "--lookback", str(scale.b2_lookback)]
    with ApiWindow(box) as window:
        started, started_epoch = time.monotonic(), time.time()
        done = run_child("pipelines.cli", args, env)
    bounds = window.bounds()
    return {"returncode": done.returncode, "wall_s": done.wall_s, "peak_rss_mb": done.peak_rss_mb,
            "stderr_tail": done.stderr_tail, "api_window_s": window.seconds(),
            "api_first_s": None if bounds is None else bounds[0] - started,
            "api_last_s": None if bounds is None else bounds[1] - started,
            "steps": step_timeline(out / "dagster-home", started_epoch)}
