"""Real materializations of the asset jobs against a sandbox into a temporary warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pbw_expected as expected
import pytest
from conftest import SandboxFactory
from dagster import RunRequest
from pbw_harness import Harness

from pipelines.commands import PlannedRun
from pipelines.sensors import inbox_requests
from sandbox.config import SandboxConfig
from sandbox.exports import export_incentives
from sandbox.server import start_in_thread

TODAY = date(2026, 11, 24)
WEEK = (date(2026, 10, 5), date(2026, 10, 11))


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """A small world (6 customers) with October closed, loaded for one week of October (shared: the
    tests using it either read or prove that a rerun changes nothing)."""
    with start_in_thread(SandboxConfig(customers=6, today=TODAY, rate_limit=None, seed=11)) as box:
        harness = Harness(box, tmp_path_factory.mktemp("week"), today=TODAY.isoformat())
        harness.backfill(*WEEK)
        yield harness


def _per_day(h: Harness, table: str, day_col: str, amount: str) -> dict[date, tuple[int, Decimal]]:
    rows = h.query(f"SELECT {day_col}, count(*), sum({amount}) FROM {table} GROUP BY 1")
    return {d: (n, total) for d, n, total in rows}


@pytest.mark.xdist_group("week")
def test_week_of_partitions_matches_the_api(week: Harness) -> None:
    begin, end = WEEK
    want = expected.consumption(week.box, begin, end)
    assert _per_day(week, "billing.consumption_records", "bill_date", "payment_amount") == want
    assert sum(n for n, _ in want.values()) > 0
    want_tx = expected.transactions(week.box, begin, end)
    assert _per_day(week, "billing.account_transactions", "trade_date", "change_amount") == want_tx
    rows, amount = expected.bills(week.box, "2026-10")
    assert week.query("SELECT count(*), sum(amount) FROM billing.monthly_bills WHERE cycle = '2026-10'") == [
        (rows, amount)
    ]
    assert {r[0] for r in week.query("SELECT customer_id FROM billing.customers")} == expected.customers(
        week.box
    )
    assert week.query("SELECT count(*) FROM audit.quarantine") == [(0,)]


@pytest.mark.xdist_group("week")
def test_rerun_leaves_every_table_unchanged(week: Harness) -> None:
    before = week.snapshot()
    week.backfill(*WEEK)
    week.backfill(date(2026, 10, 8), date(2026, 10, 8))
    assert week.snapshot() == before


def test_late_record_lands_in_its_day_after_lookback(sandbox_factory: SandboxFactory, tmp_path: Path) -> None:
    day = date(2026, 10, 14)
    box = sandbox_factory(customers=6, today=day + timedelta(days=1), rate_limit=None, seed=5, late_share=0.4)
    h = Harness(box, tmp_path, today=(day + timedelta(days=1)).isoformat())
    h.daily(day, jobs=("daily_job",))
    before = _per_day(h, "billing.consumption_records", "bill_date", "payment_amount")
    first = before.get(day, (0, Decimal(0)))
    clock = {"today": (day + timedelta(days=3)).isoformat()}
    httpx.post(f"{box.url}/_sandbox/clock", json=clock).raise_for_status()
    h.today = (day + timedelta(days=3)).isoformat()
    h.daily(day + timedelta(days=2), jobs=("daily_job",))
    after = _per_day(h, "billing.consumption_records", "bill_date", "payment_amount")[day]
    assert after == expected.consumption(box, day, day)[day]
    assert after[0] > first[0], "the sandbox published no late record for the day"


def _set_clock(h: Harness, day: date) -> None:
    httpx.post(f"{h.box.url}/_sandbox/clock", json={"today": day.isoformat()}).raise_for_status()
    h.today = day.isoformat()


def test_monthly_freeze_then_restatement_is_a_flagged_version(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    box = sandbox_factory(customers=6, today=date(2026, 11, 3), rate_limit=None, seed=9,
                          scenario="restatement", scenario_month="2026-10")
    h = Harness(box, tmp_path, today="2026-11-03")
    october = PlannedRun("bills_job", ("monthly_bills",), "2026-10", "2026-10")
    versions = ("SELECT version, is_final, is_restatement, amount_total FROM billing.monthly_bill_versions "
                "ORDER BY 1")

    assert h.execute_raw(october).success
    assert [v[1:3] for v in h.query(versions)] == [(False, False)]

    _set_clock(h, date(2026, 11, 6))
    assert h.execute_raw(october).success
    frozen = h.query(versions)[-1]
    assert frozen[1:3] == (True, False)
    assert h.execute_raw(october).success
    assert h.query(versions)[-1] == frozen, "an unchanged pull after the freeze added a version"

    _set_clock(h, date(2026, 11, 11))
    result = h.execute_raw(october)
    assert result.success
    latest = h.query(versions)[-1]
    assert latest[0] == frozen[0] + 1
    assert latest[1:3] == (True, True)
    rows, amount = expected.bills(box, "2026-10")
    assert latest[3] == amount != frozen[3]
    assert h.query("SELECT count(*), sum(amount) FROM billing.monthly_bills WHERE cycle = '2026-10'") == [
        (rows, amount)
    ]
    history = "SELECT count(*) > 0 FROM billing.monthly_bills_history WHERE version = ?"
    assert h.query(history, [frozen[0]]) == [(True,)]
    (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "restatement"]
    assert not check.passed
    assert check.metadata["restated_cycles"].value == "2026-10"


def test_monthly_close_reconciles_and_invoices(sandbox_factory: SandboxFactory, tmp_path: Path) -> None:
    box = sandbox_factory(customers=5, today=TODAY, rate_limit=None, seed=21)
    h = Harness(box, tmp_path, today=TODAY.isoformat())
    h.backfill(date(2026, 10, 1), date(2026, 10, 31))
    h.inbox.mkdir()
    export_incentives(box.app.world, "2026-10", h.inbox / "incentives.csv", fmt="csv", lang="en")
    (request,) = [r for r in inbox_requests(h.inbox) if isinstance(r, RunRequest)]
    incentives = h.definitions().resolve_job_def("incentives_job")
    assert incentives.execute_in_process(run_config=request.run_config, instance=h.instance).success
    result = h.definitions().resolve_job_def("monthly_close_job").execute_in_process(
        instance=h.instance, partition_key="2026-10", raise_on_error=False
    )
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    md = {}
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        md[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
    findings = h.query("SELECT count(*), count(*) FILTER (status NOT IN ('matched', 'within_tolerance')) "
                       "FROM marts.reconciliation_findings WHERE month = '2026-10'")
    assert [(md["reconciliation"]["findings"], md["reconciliation"]["unexplained"])] == findings
    assert findings[0][0] > 0
    assert checks["no_unexplained_differences"] is (findings[0][1] == 0)
    invoices = h.query("SELECT count(*) FROM marts.invoices WHERE month = '2026-10'")[0][0]
    assert md["invoices"]["created"] == invoices
    assert md["invoices"]["created"] > 0


@pytest.mark.parametrize(("today", "fresh"), [("2026-10-12", True), ("2026-10-13", False)],
                         ids=["yesterday-loaded", "yesterday-missing"])
@pytest.mark.xdist_group("week")
def test_freshness_checks_yesterday(week: Harness, today: str, fresh: bool) -> None:
    week.today = today
    try:
        result = week.definitions().resolve_job_def("freshness_job").execute_in_process(
            instance=week.instance, raise_on_error=False
        )
    finally:
        week.today = TODAY.isoformat()
    verdicts = {(e.asset_key.to_user_string(), e.check_name): e.passed
                for e in result.get_asset_check_evaluations()}
    assert verdicts == {
        ("consumption_records", "freshness"): fresh,
        ("account_transactions", "freshness"): fresh,
    }
