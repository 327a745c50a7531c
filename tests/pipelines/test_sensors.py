"""Run-failure alerts reach the log file and the webhook; the inbox sensor asks once per content."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from dagster import (
    DagsterEventType,
    DagsterInstance,
    RunRequest,
    SkipReason,
    build_run_status_sensor_context,
    build_sensor_context,
    job,
    op,
)

from pipelines import inbox
from pipelines.resources import PipelineSettings
from pipelines.sensors import incentive_inbox_sensor, run_failure_alert


@op
def explode() -> None:
    raise RuntimeError("sandbox said CBC.0999")


@job
def doomed() -> None:
    explode()


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def webhook() -> Iterator[str]:
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alerts"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("with_webhook", [True, False], ids=["webhook", "log-only"])
def test_failed_run_is_logged_and_posted(tmp_path: Path, webhook: str, with_webhook: bool) -> None:
    with DagsterInstance.ephemeral() as instance:
        _check_alert(instance, tmp_path, webhook, with_webhook)


def _check_alert(instance: DagsterInstance, tmp_path: Path, webhook: str, with_webhook: bool) -> None:
    result = doomed.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == DagsterEventType.RUN_FAILURE)
    log = tmp_path / "alerts" / "failures.log"
    settings = PipelineSettings(failure_log=str(log), failure_webhook=webhook if with_webhook else None)
    context = build_run_status_sensor_context(
        sensor_name="run_failure_alert", dagster_event=failure, dagster_instance=instance,
        dagster_run=result.dagster_run, resources={"settings": settings},
    ).for_run_failure()
    run_failure_alert(context)
    (line,) = log.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["run_id"] == result.run_id
    assert record["job"] == "doomed"
    assert "explode" in record["error"]
    assert _Hook.received == ([record] if with_webhook else [])


def _evaluate(folder: Path) -> list[RunRequest | SkipReason]:
    context = build_sensor_context(resources={"settings": PipelineSettings(inbox=str(folder))})
    return list(incentive_inbox_sensor(context) or [])


def test_inbox_sensor_requests_once_per_content(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not an export", encoding="utf-8")
    (request,) = _evaluate(folder)
    assert isinstance(request, RunRequest)
    assert request.run_key == inbox.file_sha256(folder / "a.csv")
    config = request.run_config["ops"]["incentive_records"]["config"]
    assert config == {"path": str(folder / "a.csv"), "sha256": request.run_key, "replace": False}

    inbox.archive(folder, inbox.InboxFile(folder / "a.csv", request.run_key))
    (folder / "again.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    (skip,) = _evaluate(folder)
    assert isinstance(skip, SkipReason)
    assert not (folder / "again.csv").exists()
    assert (folder / "duplicates" / "again.csv").read_text(encoding="utf-8") == "x,y\n1,2\n"
    reason = (folder / "duplicates" / "again.csv.reason.txt").read_text(encoding="utf-8")
    key = request.run_key
    assert reason == f"same content (sha256 {key}) as archive/{key}/a.csv, loaded before\n"
    assert (folder / "archive" / request.run_key / "a.csv").exists()


def test_reject_writes_reason_beside_file(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    path = folder / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    item = inbox.InboxFile(path, inbox.file_sha256(path))
    moved = inbox.reject(folder, item, "ValueError: no header row")
    assert moved == folder / "rejected" / item.sha256 / "broken.xlsx"
    reason = moved.with_name("broken.xlsx.reason.txt").read_text(encoding="utf-8")
    assert reason == "ValueError: no header row\n"
    assert not inbox.seen(folder, item.sha256)  # only loaded content is a duplicate
    assert inbox.run_key(folder, item) == f"{item.sha256}.1"  # dropped again: judged again, under a new key
