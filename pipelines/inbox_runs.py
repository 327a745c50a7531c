"""`pbw load inbox`: one `incentives_job` run per new file, and what became of each file.

The outcome is read from the run's own events (the asset's materialization, or its Failure's metadata), not
from the run's success: a file can be loaded and archived while a blocking check of the same run fails, and
that file was loaded. A file the run could not judge (e.g. the warehouse was locked) stays in the inbox and is
reported as failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from dagster import DagsterEventType, DagsterInstance, ExecuteInProcessResult, JobDefinition, RunRequest

from pipelines import inbox
from pipelines.failures import failure_lines, verbose
from pipelines.sensors import load_request, triage


@dataclass(frozen=True)
class FileResult:
    """What became of one file: loaded / held / rejected / duplicate, or failed (left in the inbox)."""

    name: str
    outcome: str
    detail: str

    def line(self) -> str:
        """`name: outcome (detail)` for the terminal."""
        return f"{self.name}: {self.outcome}" + (f" ({self.detail})" if self.detail else "")


def _values(metadata: Mapping[str, object]) -> dict[str, object]:
    return {k: getattr(v, "value", v) for k, v in metadata.items()}


def file_result(name: str, result: ExecuteInProcessResult) -> FileResult:
    """The file's outcome from its run's events."""
    for event in result.get_asset_materialization_events():
        md = _values(event.step_materialization_data.materialization.metadata)
        if md.get("outcome") == "loaded":
            quarantined = int(str(md.get("quarantined", 0)))
            rows = int(str(md.get("rows", 0)))
            plural = "" if rows == 1 else "s"
            detail = f"{md.get('mode')}: {md.get('periods')}; {rows} row{plural} from the file"
            detail += f", {quarantined} quarantined" if quarantined else ""
            if not result.success:
                detail += "; a check of the run failed: " + "; ".join(failure_lines(result) or ["see the UI"])
            return FileResult(name, "loaded", detail)
    for event in result.all_events:
        if event.event_type != DagsterEventType.STEP_FAILURE or event.step_failure_data is None:
            continue
        failure = event.step_failure_data.user_failure_data
        md = _values(failure.metadata) if failure is not None else {}
        if md.get("outcome") in ("held", "rejected"):
            reason = str(md.get("reason", "")).splitlines()[0].removeprefix(f"{name}: ")
            where = f"{md.get('moved_to')}{inbox.REASON_SUFFIX}"
            return FileResult(name, str(md["outcome"]), f"{reason}; see {where}")
    lines = failure_lines(result, verbose=verbose())
    return FileResult(name, "failed", f"left in the inbox: {'; '.join(lines) or 'see the run in the UI'}")


def replace_request(folder: Path, path: Path) -> RunRequest:
    """The run that replaces the periods of `path` with it (a person's decision, e.g. on a held file)."""
    if not path.is_file():
        raise FileNotFoundError(f"--replace {path}: no such file")
    if path.suffix.lower() not in inbox.EXPORT_SUFFIXES:
        raise ValueError(f"--replace {path}: not an export file (expected .xlsx or .csv)")
    item = inbox.InboxFile(path, inbox.file_sha256(path))
    return load_request(item, f"{item.sha256}.replace", replace=True)


def run_inbox(
    job: JobDefinition,
    instance: DagsterInstance,
    folder: Path,
    out: TextIO,
    run_config: Mapping[str, object],
    replace: Path | None = None,
) -> int:
    """Load the inbox (or only `replace`, replacing its periods); one line per file, then the sum-up.

    Exit code 1 when a file was held, rejected or left in the inbox.
    """
    if replace is not None:
        requests, duplicates = [replace_request(folder, replace)], []
    else:
        found = triage(folder)
        requests, duplicates = found.requests, found.duplicates
    results: list[FileResult] = []
    for request in requests:
        config = dict(request.run_config)
        result = job.execute_in_process(
            run_config={**config, **run_config}, instance=instance, tags=request.tags, raise_on_error=False
        )
        results.append(file_result(request.tags.get("pbw/file", "?"), result))
        out.write(results[-1].line() + "\n")
    for moved in duplicates:
        reason = moved.with_name(moved.name + inbox.REASON_SUFFIX).read_text(encoding="utf-8").strip()
        results.append(FileResult(moved.name, "duplicate", reason))
        out.write(results[-1].line() + "\n")
    counts = Counter(r.outcome for r in results)
    summary = ", ".join(f"{counts[o]} {o}" for o in inbox.OUTCOMES)
    if counts["failed"]:
        summary += f", {counts['failed']} failed (left in {folder})"
    out.write(summary + "\n")
    return 1 if counts["held"] or counts["rejected"] or counts["failed"] else 0
