"""Keeps Dagster's pool queue moving while `pbw` runs steps in-process.

A step waiting for a pool slot (`duckdb_writer`, an API pool) is queued as pending and only assigned when a
slot is freed. When the slot is freed between the step's "any free slot?" check and its queue insert (several
`pbw run` processes at once on one instance), nobody assigns it: the step waits forever with the slot free
("Step still blocked by limit for pool duckdb_writer", seen in a 5-run daily run). While a run executes, a
thread asks the storage every few seconds to assign pending steps to free slots; assigning is idempotent
and the slot rows stay the semaphore, so a second assignment only makes a step retry its claim.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import DagsterInstance

NUDGE_SECONDS = 2.0
log = logging.getLogger(__name__)


def assign_free_slots(instance: DagsterInstance) -> None:
    """Assign pending steps of every pool to its free slots (what freeing a slot does)."""
    storage = instance.event_log_storage
    assign = getattr(storage, "assign_pending_steps", None)
    if assign is None or not storage.supports_global_concurrency_limits:
        return
    keys = sorted(storage.get_concurrency_keys())
    if keys:
        assign(keys)


@contextmanager
def pool_queue_kept_moving(instance: DagsterInstance, every: float = NUDGE_SECONDS) -> Iterator[None]:
    """While the block runs, assign pending steps to free slots every `every` seconds."""
    stop = threading.Event()

    def nudge() -> None:
        while not stop.wait(every):
            try:
                assign_free_slots(instance)
            except Exception as exc:  # a busy storage (SQLite locked) is retried at the next tick
                log.debug("pool queue: %s", exc)

    thread = threading.Thread(target=nudge, name="pbw-pool-queue", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)
