"""What a failed run says on the command line: one line per failed step, naming the cause.

Dagster's step logs carry full tracebacks (433 lines for one wrong SK); an operator needs the cause and
what to do, which our errors already put in their message. The traceback stays in the run's event log
(the UI) and is printed with `pbw -v`.
"""

from __future__ import annotations

import os

from dagster import DagsterEventType, ExecuteInProcessResult
from dagster._utils.error import SerializableErrorInfo


def verbose() -> bool:
    """`pbw -v` or `PBW_VERBOSE=1`: tracebacks and step logs instead of one line per failure."""
    return os.environ.get("PBW_VERBOSE", "") == "1"


def root_cause(error: SerializableErrorInfo) -> SerializableErrorInfo:
    """The innermost error: Dagster wraps ours in 'Error occurred while executing op' and RetryRequested."""
    while True:
        inner = error.cause or error.context
        if inner is None:
            return error
        error = inner


def one_line(error: SerializableErrorInfo) -> str:
    """`ClassName: message` on one line, without the module path Dagster puts before the class."""
    text = " ".join(error.message.split())
    module_class, sep, rest = text.partition(": ")
    if sep and "." in module_class and " " not in module_class:
        text = f"{module_class.rsplit('.', 1)[-1]}: {rest}"
    return text


def failure_lines(result: ExecuteInProcessResult, *, verbose: bool = False) -> list[str]:
    """`step: cause` for every failed step (the run's own failure when no step failed)."""
    lines: list[str] = []
    for event in result.all_events:
        if event.event_type != DagsterEventType.STEP_FAILURE or event.step_failure_data is None:
            continue
        error = event.step_failure_data.error
        if error is None:
            lines.append(f"{event.step_key}: failed (no error recorded; see the run in the UI)")
            continue
        lines.append(f"{event.step_key}: {one_line(root_cause(error))}")
        if verbose:
            lines.append(error.to_string())
    if not lines and not result.success:
        for event in result.all_events:
            if event.event_type == DagsterEventType.RUN_FAILURE:
                lines.append(f"run: {' '.join((event.message or 'failed').split())}")
    return lines
