"""B3 on a tiny world: every size is loaded in full, and the figures are what the children measured.

Not timed and no memory target: the sizes are far too small for that. It checks the plumbing the full
benchmark relies on (a sandbox per size, one Dagster child per size, the import floor, growth).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import b3_memory
from benchmarks.harness import base_env, run_child
from benchmarks.scales import SCALES

pytestmark = [pytest.mark.xdist_group("benchmarks"), pytest.mark.timeout(240)]


def test_the_import_floor_is_the_childs_own_high_water_mark() -> None:
    done = run_child("benchmarks.b3_memory", [], base_env())
    assert done.returncode == 0, done.stderr_tail
    own = done.result["peak_rss_mb"]
    # the parent samples every 20 ms and can miss the last rise, never see more than the child had
    assert done.peak_rss_mb <= own * 1.05
    assert done.peak_rss_mb >= own * 0.7
    bare = run_child("benchmarks.harness", [], base_env())
    assert own > 3 * bare.peak_rss_mb  # Dagster, DuckDB, polars, pandera: the definitions were imported


def test_every_size_is_loaded_once_and_growth_is_largest_over_smallest(tmp_path: Path) -> None:
    scale = replace(SCALES["small"], b3_records_per_day=(4, 12), b3_customers=3)
    result = b3_memory.run(scale, tmp_path)
    points = result["points"]
    assert [p["records_per_day"] for p in points] == [4, 12]
    for point in points:
        assert "error" not in point, point.get("error")
        assert point["records_match"]
        assert point["loaded"] == point["records"] > 0
        assert point["records_per_s"] == pytest.approx(point["loaded"] / point["seconds"])
        assert point["run_added_mb"] == pytest.approx(point["peak_rss_mb"] - result["imports_peak_mb"])
        assert point["peak_rss_mb"] > result["imports_peak_mb"]  # the run imports at least what the floor did
    assert points[1]["records"] > 2 * points[0]["records"]
    assert result["growth"] == pytest.approx(points[1]["peak_rss_mb"] / points[0]["peak_rss_mb"])
    assert result["largest_peak_mb"] == points[1]["peak_rss_mb"]
    assert result["targets"] == {
        "growth": result["growth"] <= b3_memory.GROWTH_TARGET,
        "absolute": points[1]["peak_rss_mb"] <= b3_memory.ABSOLUTE_TARGET_MB,
    }
