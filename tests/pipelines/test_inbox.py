"""The incentive inbox end to end: sensor tick -> Dagster run -> warehouse, once per content; broken files
are rejected with a reason."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import SandboxFactory
from dagster import RunRequest, build_sensor_context
from pbw_harness import Harness

from pipelines.resources import PipelineSettings
from pipelines.sensors import incentive_inbox_sensor
from sandbox.exports import export_incentives


def _tick(h: Harness) -> list[RunRequest]:
    context = build_sensor_context(resources={"settings": PipelineSettings(inbox=str(h.inbox))})
    return [r for r in incentive_inbox_sensor(context) or [] if isinstance(r, RunRequest)]


def _launch(h: Harness, request: RunRequest) -> bool:
    job = h.definitions().resolve_job_def("incentives_job")
    result = job.execute_in_process(run_config=request.run_config, instance=h.instance, tags=request.tags,
                                    raise_on_error=False)
    return result.success


@pytest.mark.parametrize(("fmt", "lang"), [("xlsx", "zh"), ("csv", "en")], ids=["xlsx-zh", "csv-en"])
def test_export_loaded_once_then_ignored(sandbox_factory: SandboxFactory, tmp_path: Path, fmt: str,
                                         lang: str) -> None:
    box = sandbox_factory(customers=6, today=date(2026, 11, 24), rate_limit=None, seed=4)
    h = Harness(box, tmp_path)
    h.inbox.mkdir()
    spare = export_incentives(box.app.world, "2026-10", tmp_path / f"export.{fmt}", fmt=fmt, lang=lang)
    shutil.copy(spare, h.inbox / f"incentives.{fmt}")
    (request,) = _tick(h)
    assert _launch(h, request)
    exported = (pl.read_excel(spare) if fmt == "xlsx" else pl.read_csv(spare, infer_schema=False))
    assert h.query("SELECT count(*), count(DISTINCT file_sha256) FROM billing.incentive_records") == [
        (exported.height, 1)
    ]
    assert not (h.inbox / f"incentives.{fmt}").exists()
    assert (h.inbox / "archive" / request.run_key / f"incentives.{fmt}").exists()
    before = h.snapshot()

    shutil.copy(spare, h.inbox / f"again.{fmt}")
    assert _tick(h) == []
    assert (h.inbox / "duplicates" / f"again.{fmt}").exists()
    assert h.snapshot() == before
    assert h.query("SELECT count(*) FROM audit.load_log WHERE dataset = 'incentive_records'") == [(1,)]


def test_broken_export_is_rejected_with_reason(sandbox_factory: SandboxFactory, tmp_path: Path) -> None:
    box = sandbox_factory(customers=4, today=date(2026, 11, 24), rate_limit=None)
    h = Harness(box, tmp_path)
    h.inbox.mkdir()
    (h.inbox / "broken.csv").write_text("year,something else\n2026,1\n", encoding="utf-8")
    (request,) = _tick(h)
    assert not _launch(h, request)
    moved = h.inbox / "rejected" / request.run_key / "broken.csv"
    assert moved.exists()
    reason = moved.with_name("broken.csv.reason.txt").read_text(encoding="utf-8")
    assert "required column missing: incentive_bill_id" in reason
    assert _tick(h) == []
