"""Progress inside a run: sweeps, customers, pages, records and records/s of each fetch step's sweeps.

Two readers: the run's event log (`context.log.info`, so the UI and `pbw runs` show it) and the terminal of
`pbw run` / `pbw backfill`. The CLI executes runs in-process with Dagster's console logger silenced and
the run's stdout/stderr captured into its compute logs, so the terminal line goes to the real terminal,
`sys.__stderr__`, and only when that is a TTY or `PBW_PROGRESS=1` (a test, a CI log): a scheduled run in
the daemon writes nothing there. The event log gets a line at most every `LOG_EVERY_S` seconds while
sweeps finish, and always a final one whose counts are the step's totals.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from dagster import OpExecutionContext
from dagster._core.errors import DagsterInvariantViolationError

from partner_center.client import SweepRequest
from partner_center.paging import Sweep

LOG_EVERY_S = 2.0
TERMINAL_EVERY_S = 1.0
"""A terminal line is redrawn in place every second; without a TTY (`PBW_PROGRESS=1`) a new line every 5 s."""
PLAIN_EVERY_S = 5.0
PREFIX = "progress "


def terminal() -> TextIO | None:
    """The real stderr when someone watches it (a TTY) or `PBW_PROGRESS=1` asks for it, else None."""
    out = sys.__stderr__
    if out is None:
        return None
    if os.environ.get("PBW_PROGRESS") == "1" or out.isatty():
        return out
    return None


class SweepProgress:
    """Counts of one batch of sweeps; `done(sweep)` as each finishes, `close()` at the end."""

    def __init__(self, label: str, total: int, log: Callable[[str], None] | None,
                 out: TextIO | None) -> None:
        self.label, self.total, self._log, self._out = label, total, log, out
        self.sweeps = self.pages = self.records = 0
        self.customers: set[str] = set()
        self._started = time.monotonic()
        self._logged = self._started
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if out is not None:
            self._ticker = threading.Thread(target=self._tick, name="pbw-progress", daemon=True)
            self._ticker.start()

    def line(self) -> str:
        """`consumption_records res_fee_records: 12/40 sweeps, 12 customers, 30 pages, 5,400 records,
        1,234 records/s`."""
        seconds = max(time.monotonic() - self._started, 1e-6)
        customers = f"{len(self.customers)} customers, " if self.customers else ""
        return (f"{self.label}: {self.sweeps}/{self.total} sweeps, {customers}{self.pages} pages, "
                f"{self.records:,} records, {self.records / seconds:,.0f} records/s")

    def done(self, sweep: Sweep) -> None:
        """Count a finished sweep; log the counts when the last log line is `LOG_EVERY_S` old."""
        with self._lock:
            self.sweeps += 1
            self.pages += len(sweep.page_files)
            self.records += sweep.fetched
            customer = sweep.params.get("customer_id")
            if customer:
                self.customers.add(str(customer))
            due = time.monotonic() - self._logged >= LOG_EVERY_S
            if due:
                self._logged = time.monotonic()
            text = self.line()
        if due and self._log is not None:
            self._log(PREFIX + text)

    def close(self) -> None:
        """The final counts: to the run log always, to the terminal as a finished line."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        text = self.line() + " (done)"
        if self._log is not None:
            self._log(PREFIX + text)
        self._write(text, final=True)

    def _tick(self) -> None:
        every = TERMINAL_EVERY_S if self._out is not None and self._out.isatty() else PLAIN_EVERY_S
        while not self._stop.wait(every):
            with self._lock:
                text = self.line()
            self._write(text, final=False)

    def _write(self, text: str, *, final: bool) -> None:
        if self._out is None:
            return
        if self._out.isatty():
            self._out.write("\r" + text[:119].ljust(119) + ("\n" if final else ""))
        else:
            self._out.write(text + "\n")
        self._out.flush()


def current_step() -> OpExecutionContext | None:
    """The context of the op executing in this thread, or None outside a Dagster step."""
    try:
        return OpExecutionContext.get()
    except DagsterInvariantViolationError:
        return None


@contextmanager
def step_progress(requests: Sequence[SweepRequest]) -> Iterator[Callable[[Sweep], None]]:
    """A `done(sweep)` callback counting the requests' sweeps for the current step (the callback must run
    in the step's thread or in a context copied from it); the final line when the block ends."""
    context = current_step()
    dataset = context.op.name.removeprefix("fetch_") if context is not None else "sweep"
    endpoints = sorted({endpoint for endpoint, _ in requests})
    report = SweepProgress(f"{dataset} {','.join(endpoints)}", len(requests),
                           context.log.info if context is not None else None, terminal())
    try:
        yield report.done
    finally:
        report.close()
