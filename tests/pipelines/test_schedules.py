"""Schedule ticks evaluated for given instants produce the partition ranges the design promises."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from dagster import RunRequest, build_schedule_context

from pipelines.commands import DATASETS, plan_backfill, plan_daily
from pipelines.partitions import cycle_ranges, cycles_to_refresh, is_final
from pipelines.resources import PipelineSettings
from pipelines.schedules import bills_refresh_schedule, daily_schedule, monthly_close_schedule

BJ = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")
START = "dagster/asset_partition_range_start"
END = "dagster/asset_partition_range_end"


def _evaluate(schedule, tick: datetime, **settings) -> RunRequest:
    context = build_schedule_context(
        scheduled_execution_time=tick, resources={"settings": PipelineSettings(**settings)}
    )
    requests = schedule.evaluate_tick(context).run_requests
    assert requests is not None
    assert len(requests) == 1
    return requests[0]


@pytest.mark.parametrize(
    ("tick", "lookback", "first", "last"),
    [
        pytest.param(datetime(2026, 11, 24, 6, tzinfo=BJ), 3, "2026-11-20", "2026-11-23", id="plain-k3"),
        pytest.param(datetime(2026, 11, 23, 22, tzinfo=UTC), 3, "2026-11-20", "2026-11-23", id="utc-evening"),
        pytest.param(datetime(2026, 12, 2, 6, tzinfo=BJ), 3, "2026-11-28", "2026-12-01", id="month-edge"),
        pytest.param(datetime(2026, 11, 24, 6, tzinfo=BJ), 0, "2026-11-23", "2026-11-23", id="k0"),
        pytest.param(datetime(2026, 1, 2, 6, tzinfo=BJ), 3, "2026-01-01", "2026-01-01", id="clipped-start"),
    ],
)
def test_daily_tick_covers_lookback_window(tick: datetime, lookback: int, first: str, last: str) -> None:
    request = _evaluate(daily_schedule, tick, lookback_days=lookback)
    assert (request.tags[START], request.tags[END]) == (first, last)
    assert request.run_key == f"daily-{last}"


@pytest.mark.parametrize(
    ("tick", "first", "last"),
    [
        pytest.param(datetime(2026, 11, 3, 6, tzinfo=BJ), "2026-10", "2026-11", id="prev-open"),
        pytest.param(datetime(2026, 11, 6, 6, tzinfo=BJ), "2026-10", "2026-11", id="prev-final-spot-check"),
        pytest.param(datetime(2026, 11, 1, 6, tzinfo=BJ), "2026-09", "2026-10", id="first-of-month"),
        pytest.param(datetime(2026, 1, 2, 6, tzinfo=BJ), "2026-01", "2026-01", id="clipped-start"),
    ],
)
def test_bills_tick_pulls_previous_and_open_month(tick: datetime, first: str, last: str) -> None:
    request = _evaluate(bills_refresh_schedule, tick)
    assert (request.tags[START], request.tags[END]) == (first, last)


def test_monthly_close_tick_targets_previous_month() -> None:
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 12, 6, 7, tzinfo=BJ))
    (request,) = monthly_close_schedule.evaluate_tick(context).run_requests or []
    assert request.tags["dagster/partition"] == "2026-11"
    assert monthly_close_schedule.cron_schedule == "0 7 6 * *"
    assert monthly_close_schedule.execution_timezone == "Asia/Shanghai"
    assert daily_schedule.cron_schedule == "0 6 * * *"


def test_bills_tick_before_the_first_partition_skips() -> None:
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 1, 1, 6, tzinfo=BJ))
    result = bills_refresh_schedule.evaluate_tick(context)
    assert result.run_requests == []
    assert result.skip_message == "no billing cycle on or after the first partition yet"


def test_final_day_is_configurable() -> None:
    assert is_final("2026-10", date(2026, 11, 6), 5)
    assert not is_final("2026-10", date(2026, 11, 6), 6)
    assert cycles_to_refresh(date(2026, 11, 6)) == ["2026-10", "2026-11"]


def test_ranges_split_at_month_edges() -> None:
    assert cycle_ranges(date(2026, 10, 30), date(2026, 11, 2)) == [
        ("2026-10", date(2026, 10, 30), date(2026, 10, 31)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 2)),
    ]


def test_backfill_plan_one_daily_run_per_month_and_one_bills_run() -> None:
    runs = plan_backfill(date(2026, 9, 29), date(2026, 11, 2), DATASETS)
    assert [(r.job, r.first, r.last, "customers" in r.assets) for r in runs] == [
        ("daily_job", "2026-09-29", "2026-09-30", True),
        ("daily_job", "2026-10-01", "2026-10-31", False),
        ("daily_job", "2026-11-01", "2026-11-02", False),
        ("bills_job", "2026-09", "2026-11", False),
        ("money_lists_job", "2026-09-29", "2026-11-02", False),
    ]
    only_bills = plan_backfill(date(2026, 10, 5), date(2026, 10, 6), ["monthly_bills"])
    assert [(r.job, r.assets, r.first, r.last) for r in only_bills] == [
        ("bills_job", ("monthly_bills", "consumption_resweeps"), "2026-10", "2026-10")
    ]


def test_run_plan_matches_the_morning_schedules() -> None:
    tick = datetime(2026, 12, 2, 6, tzinfo=BJ)
    daily, bills = plan_daily(date(2026, 12, 1), 3)
    expected_daily = _evaluate(daily_schedule, tick, lookback_days=3)
    expected_bills = _evaluate(bills_refresh_schedule, tick)
    assert (daily.first, daily.last) == (expected_daily.tags[START], expected_daily.tags[END])
    assert (bills.first, bills.last) == (expected_bills.tags[START], expected_bills.tags[END])
