"""Throttling: the client's shared token bucket keeps under the API's 10 requests/s, and 429s only slow it."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from partner_center.client import PartnerCenterClient, sweep_all
from partner_center.config import Settings
from partner_center.paging import Sweep

SUB_CUSTOMERS = "/v2/partners/sub-customers/query"
WORLD: dict[str, Any] = {"today": date(2026, 3, 10), "first_day": date(2026, 1, 1), "seed": 4}
QUICK = {"backoff_base": 0.01, "backoff_cap": 0.05, "read_timeout": 10.0, "call_deadline": 120.0}


@pytest.mark.xdist_group("ratelimit")
def test_200_pages_at_10_per_second_take_19_s_with_at_most_2_percent_throttled(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    box = sandbox_factory(**WORLD, customers=200, rate_limit=10)
    settings = Settings.for_endpoint(box.url, box.ak, box.sk, box.domain_id, rate_limit=10.0,
                                     page_limits=(("sub_customers", 1),), **QUICK)

    async def main() -> Sweep:
        async with PartnerCenterClient(settings) as pc:
            return await pc.sweep("sub_customers", {}, tmp_path)

    started = time.monotonic()
    sweep = asyncio.run(main())
    elapsed = time.monotonic() - started
    assert (sweep.api_count, sweep.fetched, len(sweep.page_files)) == (200, 200, 200)
    assert len(set(sweep.ids or ())) == 200
    assert elapsed >= 19.0
    throttled = box.app.stats.throttled[SUB_CUSTOMERS]
    assert throttled == sweep.throttled
    assert throttled <= 0.02 * sweep.calls
    assert sweep.calls == box.app.stats.requests[SUB_CUSTOMERS] == 200 + throttled


@pytest.mark.xdist_group("ratelimit")
def test_throttled_answers_back_off_and_are_not_failures(sandbox_factory: Any, tmp_path: Path) -> None:
    box = sandbox_factory(**WORLD, customers=15, rate_limit=10)
    # The client believes it may send 100/s: the sandbox throttles, the client backs off and finishes.
    settings = Settings.for_endpoint(box.url, box.ak, box.sk, box.domain_id, rate_limit=100.0,
                                     throttle_backoff=(0.2, 0.3), page_limits=(("sub_customers", 1),),
                                     **QUICK)

    async def main() -> list[Sweep]:
        async with PartnerCenterClient(settings) as pc:
            return await sweep_all(settings, [("sub_customers", {})] * 2, tmp_path, client=pc)

    sweeps = asyncio.run(main())
    assert all(s.fetched == s.api_count == 15 for s in sweeps)
    throttled = box.app.stats.throttled[SUB_CUSTOMERS]
    assert throttled > 0
    assert sum(s.throttled for s in sweeps) == throttled
    assert sum(s.retries for s in sweeps) == 0
    assert sum(s.calls for s in sweeps) == 30 + throttled
