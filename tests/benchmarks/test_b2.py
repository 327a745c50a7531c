"""B2 on a tiny world: the daily run makes exactly the calls the twin sandbox says the data needs, and
the timeline the benchmark reports is consistent with its own wall time."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date
from pathlib import Path

import pytest

from benchmarks import b2_api_efficiency as b2
from benchmarks.scales import SCALES

pytestmark = [pytest.mark.xdist_group("benchmarks"), pytest.mark.timeout(240)]


def test_warm_args_cover_the_months_the_run_reads_older_first() -> None:
    assert b2.warm_args(date(2026, 11, 23)) == ["--warm", "2026-10", "--warm", "2026-11"]
    assert b2.warm_args(date(2026, 1, 1)) == ["--warm", "2025-12", "--warm", "2026-01"]


def test_daily_run_calls_are_the_minimum_and_the_timeline_adds_up(tmp_path: Path) -> None:
    scale = dataclasses.replace(SCALES["small"], b2_customers=6)
    result = b2.run(scale, tmp_path)
    assert result["returncode"] == 0, result.get("error_tail")
    calls, minimum = dict(result["calls_by_endpoint"]), dict(result["minimum_by_endpoint"])
    # a distributor: every reseller's view too; the reseller list is read once per fetch step (5), the data
    # needs it once
    assert calls.pop(b2.api.RESELLERS) == 5
    assert minimum.pop(b2.api.RESELLERS) == 1
    assert calls == minimum
    assert result["calls"] == result["minimum_calls"] + 4
    assert result["throttled"] == 0
    assert 0 < result["api_first_s"] < result["api_last_s"] < result["wall_s"]
    assert result["api_window_s"] == pytest.approx(result["api_last_s"] - result["api_first_s"])
    steps = result["steps"]
    loads = sorted(span for key, span in steps.items() if ".load_" in key)
    assert len(loads) == 6, steps  # five datasets and the bills' re-sweeps (here: nothing to re-sweep)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(loads)), loads
    assert all(0 < start <= end < result["wall_s"] for start, end in steps.values()), steps
