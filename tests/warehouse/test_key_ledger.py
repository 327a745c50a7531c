"""The key ledger of a load: exact duplicate detection across many chunks (hash runs + exact confirmation)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from warehouse import staging
from warehouse.staging import DuckKeyLedger, HashRuns


def test_ledger_flags_exactly_the_keys_of_earlier_chunks_after_many_merges(tmp_path: Path) -> None:
    ledger = DuckKeyLedger(("id",), tmp_path)
    try:
        for chunk in range(40):
            flags = ledger.seen_before(pl.DataFrame({"id": [f"k{chunk}-{i}" for i in range(50)]}))
            assert not flags.any()
        probe = pl.DataFrame({"id": ["k0-0", "new", "k39-49", "k17-3", "k40-0"]})
        assert ledger.seen_before(probe).to_list() == [True, False, True, True, False]
        assert ledger.seen_before(pl.DataFrame({"id": ["new", "k40-0"]})).to_list() == [True, True]
    finally:
        ledger.close()


def test_ledger_compares_every_key_column(tmp_path: Path) -> None:
    ledger = DuckKeyLedger(("a", "b"), tmp_path)
    try:
        assert not ledger.seen_before(pl.DataFrame({"a": ["1", "1"], "b": ["x", "y"]})).any()
        assert ledger.seen_before(pl.DataFrame({"a": ["1", "2", "1"], "b": ["y", "x", "x"]})).to_list() == [
            True, False, True]
    finally:
        ledger.close()


def test_hash_runs_stay_logarithmic_and_find_every_hash() -> None:
    runs = HashRuns()
    for chunk in range(64):
        runs.add(pl.Series(range(chunk * 100, chunk * 100 + 100), dtype=pl.UInt64))
    assert len(runs.runs) <= 7
    found = runs.hits(pl.Series([0, 6399, 3150, 6400, 10**12], dtype=pl.UInt64))
    assert found.to_list() == [True, True, True, False, False]


def test_hash_runs_stop_merging_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staging, "MAX_RUN", 250)
    runs = HashRuns()
    for chunk in range(20):
        runs.add(pl.Series(range(chunk * 100, chunk * 100 + 100), dtype=pl.UInt64))
    assert max(run.len() for run in runs.runs) <= 250
    assert runs.hits(pl.Series([0, 1999, 777, 2000], dtype=pl.UInt64)).to_list() == [True, True, True, False]
