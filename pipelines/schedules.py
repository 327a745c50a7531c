"""Schedules: the 06:00 Beijing daily run (facts are complete up to 24:00 the day before) and the
monthly close on the day after the partner bill is final (the 6th by default).
"""

from datetime import UTC, datetime, timedelta

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from pipelines.accounts import Account, account_run_config, configured_accounts
from pipelines.jobs import bills_job, daily_job, freshness_job, monthly_close_job
from pipelines.partitions import (
    TIMEZONE,
    beijing_date,
    cycle_of,
    cycles_to_refresh,
    lookback_window,
    previous_cycle,
    range_tags,
)
from pipelines.resources import PipelineSettings

DAILY_CRON = "0 6 * * *"
FRESHNESS_CRON = "0 8 * * *"
CLOSE_CRON = f"0 7 {PipelineSettings.from_env().bill_final_day + 1} * *"
ON = DefaultScheduleStatus.RUNNING


def daily_request(tick: datetime, lookback_days: int) -> RunRequest:
    """One run over D-k..D where D is yesterday in Beijing at the tick."""
    day = beijing_date(tick) - timedelta(days=1)
    begin, end = lookback_window(day, lookback_days)
    return RunRequest(
        run_key=f"daily-{end.isoformat()}",
        tags=range_tags(begin.isoformat(), end.isoformat()),
    )


def bills_request(tick: datetime) -> RunRequest | SkipReason:
    """One run over the previous and the open cycle (refresh until final, then spot check)."""
    today = beijing_date(tick)
    cycles = cycles_to_refresh(today)
    if not cycles:
        return SkipReason("no billing cycle on or after the first partition yet")
    return RunRequest(run_key=f"bills-{today.isoformat()}", tags=range_tags(cycles[0], cycles[-1]))


def close_request(tick: datetime) -> RunRequest:
    """The monthly close of the month before the tick's Beijing month."""
    cycle = previous_cycle(cycle_of(beijing_date(tick)))
    return RunRequest(run_key=f"close-{cycle}", tags={"dagster/partition": cycle})


@schedule(job=daily_job, cron_schedule=DAILY_CRON, execution_timezone=TIMEZONE, default_status=ON)
def daily_schedule(context: ScheduleEvaluationContext, settings: PipelineSettings) -> RunRequest:
    """06:00 Beijing: days D-k..D (k = `PBW_LOOKBACK_DAYS`) so late records land in their day."""
    return daily_request(_tick(context), settings.lookback_days)


@schedule(job=bills_job, cron_schedule=DAILY_CRON, execution_timezone=TIMEZONE, default_status=ON)
def bills_refresh_schedule(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
    """06:00 Beijing: monthly-sum of the open and the previous month; changes after final = restatement."""
    return bills_request(_tick(context))


@schedule(job=monthly_close_job, cron_schedule=CLOSE_CRON, execution_timezone=TIMEZONE, default_status=ON)
def monthly_close_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """07:00 Beijing the day after the bill is final: freeze M, reconcile it and issue invoices."""
    return close_request(_tick(context))


@schedule(job=freshness_job, cron_schedule=FRESHNESS_CRON, execution_timezone=TIMEZONE, default_status=ON)
def freshness_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """08:00 Beijing: yesterday's partitions must be loaded by now (asset checks `freshness`)."""
    return RunRequest(run_key=f"freshness-{beijing_date(_tick(context)).isoformat()}")


def for_account(request: RunRequest, name: str) -> RunRequest:
    """The same run for one account of `PBW_ACCOUNTS`: its own run key, tag and Partner Center resource."""
    return RunRequest(run_key=f"{request.run_key}-{name}", tags={**request.tags, "pbw/account": name},
                      run_config=account_run_config(name))


def account_schedules(account: Account) -> list[ScheduleDefinition]:
    """The daily run and the bills refresh of one account (a factory: one pair per account)."""

    @schedule(name=f"daily_schedule_{account.name}", job=daily_job, cron_schedule=DAILY_CRON,
              execution_timezone=TIMEZONE, default_status=ON)
    def daily(context: ScheduleEvaluationContext, settings: PipelineSettings) -> RunRequest:
        return for_account(daily_request(_tick(context), settings.lookback_days), account.name)

    @schedule(name=f"bills_refresh_schedule_{account.name}", job=bills_job, cron_schedule=DAILY_CRON,
              execution_timezone=TIMEZONE, default_status=ON)
    def bills(context: ScheduleEvaluationContext) -> RunRequest | SkipReason:
        request = bills_request(_tick(context))
        return request if isinstance(request, SkipReason) else for_account(request, account.name)

    return [daily, bills]


def deployment_schedules() -> list[ScheduleDefinition]:
    """One daily and one bills schedule per account of `PBW_ACCOUNTS` (else the single-account pair), plus
    the month close and the freshness check."""
    accounts = configured_accounts()
    sweeps = [s for a in accounts for s in account_schedules(a)] or [daily_schedule, bills_refresh_schedule]
    return [*sweeps, monthly_close_schedule, freshness_schedule]


def _tick(context: ScheduleEvaluationContext) -> datetime:
    """The scheduled time (aware); a manual evaluation without one uses now."""
    tick = context.scheduled_execution_time
    return tick if tick is not None else datetime.now(tz=UTC)
