"""A step left pending with its pool's slot free (the race of two processes) is assigned while a run
executes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from dagster import DagsterInstance

from pipelines.instance import get_instance
from pipelines.pool_queue import assign_free_slots, pool_queue_kept_moving


def lost_assignment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DagsterInstance:
    """Run A holds the writer slot; run B's step queues; A's slot is freed the way the race frees it: without
    assigning B (the free happened between B's "free slot?" check and its queue insert)."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    instance = get_instance()
    storage = instance.event_log_storage
    storage.set_concurrency_slots("duckdb_writer", 1)
    assert storage.claim_concurrency_slot("duckdb_writer", "run-a", "load").is_claimed
    assert not storage.claim_concurrency_slot("duckdb_writer", "run-b", "load").is_claimed
    storage._free_concurrency_slots(run_id="run-a", step_key="load")  # type: ignore[attr-defined]
    storage._remove_pending_steps(run_id="run-a", step_key="load")  # type: ignore[attr-defined]
    return instance


def test_a_pending_step_with_a_free_slot_waits_forever_without_the_nudge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = lost_assignment(tmp_path, monkeypatch).event_log_storage
    for _ in range(3):  # what the executor does while it waits: claim again, and again
        assert not storage.claim_concurrency_slot("duckdb_writer", "run-b", "load").is_claimed


def test_the_nudge_assigns_it_and_the_step_claims_the_slot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = lost_assignment(tmp_path, monkeypatch)
    storage = instance.event_log_storage
    with pool_queue_kept_moving(instance, every=0.1):
        deadline = time.monotonic() + 10
        while not (claimed := storage.claim_concurrency_slot("duckdb_writer", "run-b", "load")).is_claimed:
            assert time.monotonic() < deadline, "the pending step was never assigned"
            time.sleep(0.05)
    assert claimed.is_claimed
    info = storage.get_concurrency_info("duckdb_writer")
    assert [(s.run_id, s.step_key) for s in info.claimed_slots] == [("run-b", "load")]
    # a second assignment while the slot is taken changes nothing: still one holder, no new claim
    assign_free_slots(instance)
    assert not storage.claim_concurrency_slot("duckdb_writer", "run-c", "load").is_claimed
    assert [(s.run_id, s.step_key) for s in storage.get_concurrency_info("duckdb_writer").claimed_slots] == [
        ("run-b", "load")
    ]
