"""Dagster's local compute logs, mirrored to the process's own stdout/stderr by a thread.

Dagster's LocalComputeLogManager redirects a step's stdout and stderr into files and mirrors each file back
with a `tail -F` process watched by a Python process of its own: four processes per run, ~25 MB of RSS
(two interpreters of ~11 MB; benchmark B3 counts a run's children). Here a thread follows each file
instead; what is captured, where, and what the UI reads stay Dagster's.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from dagster import Field, StringSource
from dagster._core.execution.compute_logs import redirect_to_file
from dagster._core.storage.compute_log_manager import CapturedLogContext, ComputeIOType
from dagster._core.storage.local_compute_log_manager import IO_TYPE_EXTENSION, LocalComputeLogManager
from dagster._utils import ensure_file, touch_file

POLL_S = 0.1


class ThreadMirroredComputeLogManager(LocalComputeLogManager):
    """LocalComputeLogManager whose mirror is a thread per stream; `base_dir` defaults to
    `$DAGSTER_HOME/storage`, Dagster's own default."""

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {"base_dir": Field(StringSource, is_required=False),
                "polling_timeout": Field(float, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> ThreadMirroredComputeLogManager:
        config = dict(config_value)
        config.setdefault("base_dir", os.path.join(os.environ.get("DAGSTER_HOME", "."), "storage"))
        return cls(inst_data=inst_data, **config)

    @contextmanager
    def capture_logs(self, log_key: Sequence[str]) -> Generator[CapturedLogContext, None, None]:
        out = self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[ComputeIOType.STDOUT])
        err = self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[ComputeIOType.STDERR])
        with mirrored(sys.stdout, out), mirrored(sys.stderr, err):
            yield CapturedLogContext(log_key)
        touch_file(self.complete_artifact_path(log_key))  # Dagster's mark that the capture is complete


@contextmanager
def mirrored(stream: IO[str], path: str) -> Iterator[None]:
    """Redirect `stream`'s file descriptor into `path` (Dagster's redirect) while a thread copies what the
    file gains to the descriptor's original target; what is left is copied when the block ends."""
    ensure_file(path)
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # a replaced stream (pytest's capture): nothing to mirror
        with redirect_to_file(stream, path):
            yield
        return
    target = os.dup(fd)
    stop = threading.Event()
    start = os.path.getsize(path)
    follower = threading.Thread(target=_follow, args=(path, start, target, stop), daemon=True,
                                name="pbw-compute-log")
    follower.start()
    try:
        with redirect_to_file(stream, path):
            yield
    finally:
        stop.set()
        follower.join()
        os.close(target)


def _follow(path: str, start: int, target: int, stop: threading.Event) -> None:
    """Copy what `path` gains after `start` to `target` until `stop`, then the rest."""
    with open(path, "rb") as source:
        source.seek(start)
        while True:
            ending = stop.is_set()
            data = source.read()
            try:
                while data:
                    data = data[os.write(target, data):]
            except OSError:  # the terminal went away: the file still has everything
                return
            if ending:
                return
            stop.wait(POLL_S)
