"""Partitions: Beijing days for facts, Beijing billing months for bills and the monthly close.

Everything here is pure date arithmetic so schedules, the CLI and tests agree on one definition of
"yesterday", "the lookback window" and "a final month".
"""

from __future__ import annotations

import argparse
import os
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dagster import DailyPartitionsDefinition, MonthlyPartitionsDefinition

TIMEZONE = "Asia/Shanghai"
BEIJING = ZoneInfo(TIMEZONE)
DEFAULT_START_DATE = "2026-01-01"


def start_date() -> date:
    """First daily partition (`PBW_START_DATE`); read once when the definitions load."""
    return date.fromisoformat(os.environ.get("PBW_START_DATE", DEFAULT_START_DATE))


def cycle_of_start() -> str:
    """Billing cycle of the first daily partition: the first monthly partition."""
    return start_date().strftime("%Y-%m")


daily_partitions = DailyPartitionsDefinition(
    start_date=start_date().isoformat(), timezone=TIMEZONE, fmt="%Y-%m-%d"
)
"""Beijing dates (`bill_date`, `trade_date`); the last partition is yesterday in Beijing."""

monthly_partitions = MonthlyPartitionsDefinition(
    start_date=cycle_of_start(), timezone=TIMEZONE, fmt="%Y-%m", end_offset=1
)
"""Beijing billing cycles `YYYY-MM`; `end_offset=1` includes the open month so bills refresh during it."""


def beijing_date(moment: datetime) -> date:
    """The Beijing calendar date of an aware timestamp."""
    return moment.astimezone(BEIJING).date()


def lookback_window(day: date, lookback_days: int, first: date | None = None) -> tuple[date, date]:
    """Days D-k..D of a run for D, clipped to the first partition."""
    begin = day - timedelta(days=lookback_days)
    floor = first or start_date()
    return max(begin, floor), day


def days(begin: date, end: date) -> list[date]:
    """Every date from begin to end inclusive."""
    return [begin + timedelta(days=i) for i in range((end - begin).days + 1)]


def cycle_of(day: date) -> str:
    """Billing cycle `YYYY-MM` of a Beijing date."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_cycle(cycle: str) -> str:
    """The billing cycle before `cycle`."""
    first = date.fromisoformat(f"{cycle}-01")
    return cycle_of(first - timedelta(days=1))


def next_cycle_first_day(cycle: str) -> date:
    """First day of the month after `cycle`."""
    first = date.fromisoformat(f"{cycle}-01")
    return (first + timedelta(days=32)).replace(day=1)


def final_on(cycle: str, final_day: int) -> date:
    """Day the partner bill of `cycle` is generated (the 5th of M+1 by default); final after it."""
    return next_cycle_first_day(cycle).replace(day=final_day)


def is_final(cycle: str, today: date, final_day: int) -> bool:
    """A cycle is final once its bill day has passed in Beijing; later changes are restatements."""
    return today > final_on(cycle, final_day)


def cycles_to_refresh(today: date) -> list[str]:
    """Cycles the daily run pulls: the month of yesterday and the one before.

    Until the one before is final the pull refreshes it; afterwards it is frozen and the daily pull is a
    spot check, so a restatement published during the following month is stored as a flagged version.
    """
    open_cycle = cycle_of(today - timedelta(days=1))
    first = cycle_of(start_date())
    return [c for c in (previous_cycle(open_cycle), open_cycle) if c >= first]


def cycles_between(begin: date, end: date) -> list[str]:
    """Billing cycles touched by the days begin..end, in order."""
    return sorted({cycle_of(d) for d in days(begin, end)})


def cycle_ranges(begin: date, end: date) -> list[tuple[str, date, date]]:
    """Split begin..end at month edges: the API's date filters must stay inside one cycle."""
    out: list[tuple[str, date, date]] = []
    for cycle in cycles_between(begin, end):
        first = date.fromisoformat(f"{cycle}-01")
        last = next_cycle_first_day(cycle) - timedelta(days=1)
        out.append((cycle, max(first, begin), min(last, end)))
    return out


BEGIN_TAG = "dagster/asset_partition_range_start"
END_TAG = "dagster/asset_partition_range_end"


def range_tags(begin: str, end: str) -> dict[str, str]:
    """Run tags that make one run cover a partition key range (the single-run backfill shape)."""
    return {BEGIN_TAG: begin, END_TAG: end}


def billing_month(text: str) -> str:
    """An argparse type: `YYYY-MM` (a billing month, Beijing), refused with the expected form otherwise."""
    if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a billing month: give it as YYYY-MM, e.g. 2026-10")
    return text.strip()
