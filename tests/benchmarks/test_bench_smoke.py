"""The benchmark harness on a tiny world: are the numbers it reports consistent with what was served?

Not timed. One sandbox process for the module; each contender runs as the harness runs it, in a
child process, and its counts are checked against the API's counts and the sandbox's own stats.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import duckdb
import pytest

from benchmarks import b1_throughput as b1
from benchmarks import b4_warehouse as b4
from benchmarks.api import Credentials
from benchmarks.harness import Sandbox, Series, base_env, parse_exports, run_child, sandbox
from benchmarks.report import render_table, rows_for
from benchmarks.workload import Workload, month_ranges, survey

pytestmark = [pytest.mark.xdist_group("benchmarks"), pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def box() -> Sandbox:
    with sandbox(customers=3, records_per_day=40) as running:
        yield running


@pytest.fixture(scope="module")
def workload(box: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> tuple[Workload, Path]:
    begin, end = b1.last_full_month(box)
    found = survey(Credentials.from_env(box.env), begin, end)
    return found, found.write(tmp_path_factory.mktemp("work") / "work.json")


def test_parse_exports_reads_quoted_values() -> None:
    env = parse_exports(["# comment", "export A=1", "export B='two words'", "export C=\"x=y\"", "A=ignored"])
    assert env == {"A": "1", "B": "two words", "C": "x=y"}


def test_month_ranges_split_at_month_edges() -> None:
    assert month_ranges(date(2026, 10, 30), date(2026, 11, 2)) == [
        ("2026-10", date(2026, 10, 30), date(2026, 10, 31)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 2)),
    ]


def test_workload_is_the_last_full_month_and_sums_its_sweeps(workload: tuple[Workload, Path]) -> None:
    found, _ = workload
    assert (found.begin, found.end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert found.expected_records == sum(found.sizes.values())
    # 3 customers x 31 days x 40 on-demand records is the most a customer associated all month adds.
    assert len(found.sweeps) == len(found.sizes) >= 1
    assert found.expected_records >= 31 * 40


def test_fetch_only_counts_what_the_sandbox_served(box: Sandbox, workload: tuple[Workload, Path]) -> None:
    found, work = workload
    box.reset_stats()
    done = run_child("benchmarks.peers.fetch_only", [str(work)], base_env(box.env))
    assert done.returncode == 0, done.stderr_tail
    assert done.result["records"] == found.expected_records
    assert done.result["sweeps_short_or_long"] == 0
    pages = sum(math.ceil(n / 1000) for n in found.sizes.values())
    assert done.result["calls"] == pages == b1.fee_calls(box.stats())
    assert done.peak_rss_mb > 5  # the sampler saw the child


def test_ours_loads_every_record_once_through_dagster(
    box: Sandbox, workload: tuple[Workload, Path], tmp_path: Path
) -> None:
    found, work = workload
    box.reset_stats()
    env = base_env({**box.env, **b1.UNTHROTTLED, "PBW_WAREHOUSE": str(tmp_path / "w.duckdb"),
                    "DAGSTER_HOME": str(tmp_path / "dagster")})
    done = run_child("benchmarks.ours", [str(work), str(tmp_path / "out")], env)
    assert done.returncode == 0, done.stderr_tail
    assert done.result["runs_ok"] is True
    assert done.result["records"] == done.result["distinct_ids"] == found.expected_records
    assert done.result["quarantined"] == 0
    # our pipeline asks for every consuming customer, even one with no records in the range
    assert b1.fee_calls(box.stats()) >= sum(math.ceil(n / 1000) for n in found.sizes.values())


def test_dlt_arrow_peer_loads_every_record_once(
    box: Sandbox, workload: tuple[Workload, Path], tmp_path: Path
) -> None:
    pytest.importorskip("dlt")
    found, work = workload
    box.reset_stats()
    done = run_child("benchmarks.peers.dlt_source", ["arrow", str(work), str(tmp_path)], base_env(box.env))
    assert done.returncode == 0, done.stderr_tail
    assert done.result["records"] == done.result["distinct_ids"] == found.expected_records
    assert b1.fee_calls(box.stats()) == sum(math.ceil(n / 1000) for n in found.sizes.values())


def test_summary_ratios_follow_the_medians(workload: tuple[Workload, Path]) -> None:
    found, _ = workload
    series = {name: Series(name) for name in (b1.OURS, b1.FETCH_ONLY, *b1.DLT)}
    for name, rates in ((b1.OURS, (30.0, 10.0, 20.0)), (b1.FETCH_ONLY, (10.0, 12.0, 8.0)),
                        (b1.DLT_ARROW, (4.0, 5.0, 6.0)), (b1.DLT_PARQUET, (7.0, 6.0, 8.0))):
        for rate in rates:
            series[name].add(records=found.expected_records, records_per_s=rate, seconds=1.0, wall_s=1.0,
                             peak_rss_mb=1.0)
    summary = b1.summarise(found, found, series, {})
    assert summary["ratios"]["dlt_best"] == b1.DLT_PARQUET
    assert summary["ratios"]["vs_fetch_only"] == pytest.approx(20.0 / 10.0)
    assert summary["ratios"]["vs_dlt_best"] == pytest.approx(20.0 / 7.0)
    assert summary["targets"] == {"vs_fetch_only": True, "vs_dlt_best": False}
    assert summary["contenders"][b1.OURS]["records_match"] is True
    assert summary["contenders"][b1.DLT_DEFAULTS]["records_per_s"] is None
    table = render_table({"scale": "test", "started_at_utc": "now", "table": rows_for({"b1": summary}),
                          "machine": {"cores": 2, "memory_gb": 1, "python": "3.11"}})
    assert "2.00x" in table
    assert "2.86x" in table
    assert "MISSED" in table


def test_b4_synthetic_month_is_consistent(tmp_path: Path) -> None:
    path = tmp_path / "b4.duckdb"
    b4.generate(path, rows=20_000, customers=40)
    with duckdb.connect(str(path), read_only=True) as con:
        detail, bills, paid, sweeps = con.sql(
            "SELECT (SELECT sum(payment_amount) FROM billing.consumption_records"
            "  WHERE association_type = '2'),"
            " (SELECT sum(amount) FROM billing.monthly_bills),"
            " (SELECT sum(CASE WHEN change_type = '2' THEN change_amount ELSE -change_amount END)"
            "  FROM billing.account_transactions),"
            " (SELECT sum(api_count) FROM audit.api_sweeps)"
        ).fetchall()[0]
    assert detail == bills == paid
    assert sweeps == 20_000
