"""The Definitions load, and their shape (assets, partitions, pools, checks, jobs, schedules, sensors)
equals the reviewed snapshot in expected_definitions.txt.

After an intended change: `PBW_UPDATE_SNAPSHOT=1 pytest tests/pipelines/test_definitions.py`,
then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pbw_snapshot import render

from pipelines.checks import validation_verdict
from pipelines.definitions import defs

EXPECTED = Path(__file__).with_name("expected_definitions.txt")


def test_definitions_match_snapshot() -> None:
    actual = render(defs)
    if os.environ.get("PBW_UPDATE_SNAPSHOT") == "1":
        EXPECTED.write_text(actual, encoding="utf-8")
    assert actual == EXPECTED.read_text(encoding="utf-8")


def test_every_job_resolves_and_api_steps_hold_their_pools() -> None:
    repo = defs.get_repository_def()
    pools = {
        op.name: op.pool for job in repo.get_all_jobs() for op in job.graph.iterate_op_defs() if op.pool
    }
    assert pools["fetch_consumption_records"] == "api_res_fee_records"
    assert pools["fetch_monthly_bills"] == "api_monthly_sum"
    assert pools["fetch_account_transactions"] == "api_account_change_records"
    assert pools["fetch_customers"] == "api_sub_customers"
    assert {name for name, pool in pools.items() if pool == "duckdb_writer"} >= {
        "load_consumption_records", "load_monthly_bills_op", "load_account_transactions_op",
        "load_customers_op", "incentive_records", "reconciliation", "invoices",
    }


@pytest.mark.parametrize(
    ("rows_in", "quarantined", "ratio", "passed"),
    [
        pytest.param(1000, 0, 0.0, True, id="clean"),
        pytest.param(1000, 10, 0.01, True, id="at-threshold"),
        pytest.param(1000, 11, 0.01, False, id="above-threshold"),
        pytest.param(0, 0, 0.01, True, id="empty-load"),
        pytest.param(0, 3, 0.5, False, id="all-quarantined-no-rows"),
    ],
)
def test_validation_threshold(rows_in: int, quarantined: int, ratio: float, passed: bool) -> None:
    assert validation_verdict(rows_in, quarantined, ratio) is passed
