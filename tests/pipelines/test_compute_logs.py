"""Compute logs of in-process runs: captured into the instance's files and mirrored to the terminal by a
thread, with no `tail` or watcher process (benchmark B3 counts a run's children)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RUN = """
import os, sys, psutil
from dagster import job, op
from pipelines.instance import get_instance

@op
def speak():
    print("to stdout from the step", flush=True)
    print("to stderr from the step", file=sys.stderr, flush=True)
    print("children", len(psutil.Process().children(recursive=True)), flush=True)

@job
def talk():
    speak()

result = talk.execute_in_process(instance=get_instance())
print("manager", type(get_instance().compute_log_manager).__name__)
print("ok", result.success)
"""


def test_a_step_is_captured_to_files_and_mirrored_without_processes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", RUN], env=env, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert "to stdout from the step" in lines
    assert "children 0" in lines
    assert "manager ThreadMirroredComputeLogManager" in lines
    assert "ok True" in lines
    assert "to stderr from the step" in done.stderr.splitlines()
    logs = (home / "storage").rglob("*")
    captured = {p.suffix: p.read_text() for p in logs if p.suffix in (".out", ".err")}
    assert "to stdout from the step" in captured[".out"]
    assert "to stderr from the step" in captured[".err"]
    assert "to stderr" not in captured[".out"]
    assert list((home / "storage").rglob("*.complete"))  # Dagster's mark that the capture ended
