"""Sensors: the incentive inbox (console exports have no API) and run-failure alerts."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from dagster import (
    DefaultSensorStatus,
    RunConfig,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from pipelines import inbox
from pipelines.jobs import incentives_job
from pipelines.resources import PipelineSettings


@dataclass(frozen=True)
class Triage:
    """The inbox sorted: one run request per new content, and the duplicates already set aside."""

    requests: list[RunRequest]
    duplicates: list[Path]


def load_request(item: inbox.InboxFile, key: str, *, replace: bool = False) -> RunRequest:
    """The `incentives_job` run of one file."""
    config = inbox.IncentiveFile(path=str(item.path), sha256=item.sha256, replace=replace)
    return RunRequest(
        run_key=key,
        run_config=RunConfig(ops={"incentive_records": config}),
        tags={"pbw/file": item.path.name, "pbw/sha256": item.sha256},
    )


def triage(folder: Path) -> Triage:
    """Requests for new contents; content loaded before goes to `duplicates/` with the reason."""
    requests: list[RunRequest] = []
    duplicates: list[Path] = []
    for item in inbox.pending(folder):
        if inbox.seen(folder, item.sha256):
            duplicates.append(inbox.set_aside_duplicate(folder, item))
        else:
            requests.append(load_request(item, inbox.run_key(folder, item)))
    return Triage(requests, duplicates)


def inbox_requests(folder: Path) -> Iterator[RunRequest | SkipReason]:
    """One run per new export content; content loaded before is set aside, never loaded twice."""
    found = triage(folder)
    for moved in found.duplicates:
        yield SkipReason(f"{moved.name} has the content of a file loaded before; moved to {moved}")
    yield from found.requests
    if not found.requests and not found.duplicates:
        yield SkipReason(f"no export files in {folder}")


@sensor(job=incentives_job, minimum_interval_seconds=30, default_status=DefaultSensorStatus.RUNNING)
def incentive_inbox_sensor(
    context: SensorEvaluationContext, settings: PipelineSettings
) -> Iterator[RunRequest | SkipReason]:
    """Watches `PBW_INBOX` for console incentive exports (XLSX/CSV); the run key is the content hash."""
    yield from inbox_requests(settings.inbox_path)


def failure_record(context: RunFailureSensorContext) -> dict[str, str]:
    """What an operator needs to find the failed run; the error text carries no credentials."""
    run = context.dagster_run
    return {
        "failed_at_utc": datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "run_id": run.run_id,
        "job": run.job_name,
        "partition_range": "{}..{}".format(
            run.tags.get("dagster/asset_partition_range_start", run.tags.get("dagster/partition", "")),
            run.tags.get("dagster/asset_partition_range_end", run.tags.get("dagster/partition", "")),
        ),
        "error": context.failure_event.message or "",
    }


def report_failure(record: dict[str, str], log_file: Path, webhook: str | None) -> None:
    """Append one JSON line to the failure log and POST it to the webhook when one is configured."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    if webhook:
        httpx.post(webhook, json=record, timeout=10.0).raise_for_status()


@run_failure_sensor(default_status=DefaultSensorStatus.RUNNING)
def run_failure_alert(context: RunFailureSensorContext, settings: PipelineSettings) -> None:
    """Every failed run: a line in `PBW_FAILURE_LOG`, and a POST to `PBW_FAILURE_WEBHOOK` when set."""
    report_failure(failure_record(context), Path(settings.failure_log), settings.failure_webhook)
