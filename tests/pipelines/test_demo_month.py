"""The demo's month choice works on every day of a month: the month it plays is final, its exports exist."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from pipelines.demo import demo_month, incentive_months
from pipelines.partitions import cycle_of, is_final

FINAL_DAY = 5  # partner bills and incentive exports of month M come out on the 5th of M+1


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param(date(2026, 12, 1), "2026-10", id="1st"),
        pytest.param(date(2026, 12, 4), "2026-10", id="4th"),
        pytest.param(date(2026, 12, 5), "2026-10", id="5th-bill-day"),
        pytest.param(date(2026, 12, 6), "2026-11", id="6th"),
        pytest.param(date(2026, 12, 31), "2026-11", id="last-day"),
        pytest.param(date(2027, 1, 3), "2026-11", id="across-new-year"),
        pytest.param(date(2027, 3, 31), "2027-02", id="after-february"),
    ],
)
def test_demo_plays_the_newest_final_month(sandbox_factory, today: date, expected: str) -> None:
    first, last = demo_month(today, FINAL_DAY)
    assert (first.strftime("%Y-%m"), cycle_of(last)) == (expected, expected)
    assert first.day == 1
    assert last.replace(day=1) == first
    assert date.fromordinal(last.toordinal() + 1).day == 1  # the month's last day
    assert is_final(expected, today, FINAL_DAY)
    # The sandbox playing that day publishes every incentive export the demo drops into the inbox.
    box = sandbox_factory(today=today, rate_limit=None)
    for month in incentive_months(first):
        answer = httpx.get(f"{box.url}/_sandbox/export/incentives",
                           params={"month": month, "format": "csv", "lang": "zh"}, timeout=30)
        assert answer.status_code == 200, (month, answer.text[:200])
        assert len(answer.content.splitlines()) > 1, month


def test_a_month_that_is_not_final_is_refused_by_the_sandbox(sandbox_factory) -> None:
    """The rule the choice guards against: on the 4th, last month's incentive export does not exist yet."""
    box = sandbox_factory(today=date(2026, 12, 4), rate_limit=None)
    answer = httpx.get(f"{box.url}/_sandbox/export/incentives",
                       params={"month": "2026-11", "format": "csv", "lang": "zh"}, timeout=30)
    assert answer.status_code >= 400
    assert "published from the 5th" in answer.text
