"""The billing calendar: Beijing days (UTC+8, the calendar every billing API uses) and YYYY-MM cycles."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

BEIJING_OFFSET = timedelta(hours=8)
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def beijing_today() -> date:
    """Today's date in Beijing (UTC+8), the calendar every billing API uses."""
    return (datetime.now(UTC) + BEIJING_OFFSET).date()


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(cycle: str) -> date:
    return date(int(cycle[:4]), int(cycle[5:7]), 1)


def add_months(day: date, months: int) -> date:
    """The same day-of-month `months` later (callers keep days <= 28)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


def month_end(cycle: str) -> date:
    return add_months(month_start(cycle), 1) - timedelta(days=1)


def shift_cycle(cycle: str, months: int) -> str:
    return month_of(add_months(month_start(cycle), months))


def utc_text(moment: datetime) -> str:
    return moment.strftime(UTC_FORMAT)


def beijing_moment(day: date, hour: int, minute: int, second: int) -> datetime:
    """A Beijing wall-clock time as a naive UTC datetime (01:30 Beijing is 17:30 UTC the day before)."""
    return datetime.combine(day, time(hour, minute, second)) - BEIJING_OFFSET
