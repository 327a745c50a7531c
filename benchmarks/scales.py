"""Benchmark sizes: `small` proves the harness in minutes, `full` is what the benchmark issue asks for.

Full: B1 about 1M records (50 customers x 31 days x 645), B3 about 200k, 1M and 5M (100 customers x
31 days x 65 / 323 / 1,613), B2 2,000 customers at the sandbox's default volume, B4 30M rows.
Medium: the issue's B2 and B4, B1 at about 200k records and B3 at about 200k and 1M (what fits in
an hour on a shared 2-core machine).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Every size knob of one `make bench` run."""

    name: str
    # B1: sandbox world (rate limit off); every contender sweeps its last full month, about
    # customers x days x records_per_day fee records (the sandbox's records_per_day is per customer).
    b1_customers: int
    b1_records_per_day: int
    b1_runs: int
    # dlt with defaults writes INSERT VALUES files that duckdb 2 loads at ~1.6k rec/s: it sweeps only
    # the first sweeps of the workload up to this many records, and its rate is reported as such.
    b1_dlt_defaults_max_records: int
    # B2: one daily run against a sandbox limited to this many requests/s per API.
    b2_customers: int
    b2_rate_limit: int
    b2_lookback: int
    b2_records_per_day: int | None
    # B3: one run over the last full month at each records_per_day (per customer), in a fresh child.
    b3_records_per_day: tuple[int, ...]
    b3_customers: int
    # B4: synthetic month already in DuckDB.
    b4_rows: int
    b4_customers: int


SCALES: dict[str, Scale] = {
    "small": Scale(
        name="small",
        b1_customers=10, b1_records_per_day=160, b1_runs=3,
        b1_dlt_defaults_max_records=5_000,
        b2_customers=200, b2_rate_limit=10, b2_lookback=3, b2_records_per_day=None,
        b3_records_per_day=(32, 161), b3_customers=20,
        b4_rows=1_000_000, b4_customers=500,
    ),
    "medium": Scale(
        name="medium",
        b1_customers=20, b1_records_per_day=323, b1_runs=3,
        b1_dlt_defaults_max_records=10_000,
        b2_customers=2_000, b2_rate_limit=10, b2_lookback=3, b2_records_per_day=None,
        b3_records_per_day=(65, 323), b3_customers=100,
        b4_rows=30_000_000, b4_customers=2_000,
    ),
    "full": Scale(
        name="full",
        b1_customers=50, b1_records_per_day=645, b1_runs=3,
        b1_dlt_defaults_max_records=30_000,
        b2_customers=2_000, b2_rate_limit=10, b2_lookback=3, b2_records_per_day=None,
        b3_records_per_day=(65, 323, 1_613), b3_customers=100,
        b4_rows=30_000_000, b4_customers=2_000,
    ),
}
