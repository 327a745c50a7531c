"""A failed sweep never deletes pages another thread still reads, and an outage is what the step reports and
what its retry policy sees: one step retry (no stacking on the client's retries), then the real cause."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterEventType

from partner_center.client import sweep_many
from partner_center.config import Settings
from partner_center.errors import InvalidParameterError
from partner_center.paging import Sweep
from pipelines.failures import failure_lines, root_cause
from pipelines.partitions import range_tags
from sandbox.server import RunningSandbox
from tests.pipelines.pbw_harness import Harness

FETCH = "consumption_records.fetch_consumption_records"


def test_pages_handed_over_survive_a_later_sweep_failure(sandbox: RunningSandbox, tmp_path: Path) -> None:
    settings = Settings.for_endpoint(sandbox.url, sandbox.ak, sandbox.sk, sandbox.domain_id, concurrency=1)
    cycle = f"{sandbox.app.world.today:%Y-%m}"
    customer = sandbox.app.world.customers[0].customer_id
    handed: list[Sweep] = []
    requests = [
        ("res_fee_records", {"bill_cycle": cycle, "customer_id": customer}),
        ("res_fee_records", {"bill_cycle": "2026-13", "customer_id": customer}),
    ]
    with pytest.raises(InvalidParameterError):
        sweep_many(settings, requests, tmp_path, on_done=handed.append)
    (first,) = handed
    assert first.page_files
    assert all(p.read_bytes().startswith(b"{") for p in first.page_files)  # still there for the reader


@pytest.mark.slow
def test_an_outage_fails_the_fetch_with_its_cause_after_exactly_one_step_retry(
    sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = sandbox_factory(
        seed=7, customers=4, rate_limit=None, faults="http500:0.7", today=date(2026, 11, 12)
    )
    for name, value in {
        "PBW_MAX_ATTEMPTS": "2",
        "PBW_BACKOFF_BASE": "0.01",
        "PBW_BACKOFF_CAP": "0.02",
        "PBW_OUTAGE_RETRY_WAIT_S": "0",
        "PBW_CONCURRENCY": "2",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PBW_OUTAGE_RETRIES", raising=False)
    harness = Harness(box, tmp_path, today="2026-11-12")
    job = (
        harness.definitions()
        .resolve_job_def("daily_job")
        .get_subset(asset_selection={AssetKey("consumption_records")}, asset_check_selection=set())
    )
    result = job.execute_in_process(
        instance=harness.instance, tags=range_tags("2026-11-01", "2026-11-10"), raise_on_error=False
    )
    assert not result.success
    events = result.all_events
    retried = [e for e in events if e.event_type == DagsterEventType.STEP_UP_FOR_RETRY]
    assert [e.step_key for e in retried] == [FETCH]
    (failed,) = [e for e in events if e.event_type == DagsterEventType.STEP_FAILURE]
    assert failed.step_key == FETCH
    assert failed.step_failure_data is not None
    assert failed.step_failure_data.error is not None
    cause = root_cause(failed.step_failure_data.error)
    assert cause.cls_name == "RetriesExhaustedError"
    assert "still failing after 2 attempts (last: HTTP 500" in cause.message
    texts = [failed.step_failure_data.error.to_string()]
    texts += [e.event_specific_data.error.to_string() for e in retried]  # type: ignore[union-attr]
    assert all("RetriesExhaustedError" in t for t in texts)
    assert not any("FileNotFoundError" in t for t in texts)
    (line,) = failure_lines(result)
    assert line.startswith(f"{FETCH}: RetriesExhaustedError")
