"""Re-sweeps of fee records after a changed monthly bill: which (cycle, customer) to re-sweep, and the commit.

A new version of an ended cycle (above all a restatement) can carry fee records dated before the daily
run's window D-k..D, which that run never reloads. The monthly bills commit asks for a re-sweep of each
customer whose bill rows changed (`audit.resweep_requests`, in the version's transaction). A re-sweep
replaces exactly what it fetched: that customer's rows of the cycle's days, nothing of other customers,
and marks its requests done in the same transaction, so a crash leaves the request open and a rerun
converges to the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from warehouse.contract import LoadContext, LoadReport, SweepEvidence, now_utc
from warehouse.loaders.consumption_records import ConsumptionBatch, stage_consumption
from warehouse.replace import commit_batch
from warehouse.sqlfiles import sql


@dataclass(frozen=True)
class ResweepRequest:
    """One customer's fee records of one cycle to fetch again, and why (the newest bill version's reason)."""

    cycle: str
    customer_id: str
    reason: str
    bill_version: int


def pending_resweeps(
    con: duckdb.DuckDBPyConnection, cycles: Sequence[str], partner: str
) -> list[ResweepRequest]:
    """Open re-sweep requests of these cycles, one per (cycle, customer), in order."""
    rows = con.execute(
        sql("select_pending_resweeps"), {"partner": partner, "cycles": list(cycles)}
    ).fetchall()
    return [ResweepRequest(str(c), str(cid), str(reason), int(v)) for c, cid, reason, v in rows]


def cycle_days(cycle: str, first_day: date | None = None) -> tuple[date, date]:
    """First and last Beijing day of a cycle (the first no earlier than `first_day`, the first partition)."""
    first = date.fromisoformat(f"{cycle}-01")
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return (max(first, first_day) if first_day else first), last


@dataclass(frozen=True, kw_only=True)
class ResweepBatch(ConsumptionBatch):
    """Staged fee records of some customers of one cycle, replacing only their rows of the cycle's days."""

    cycle: str
    requests: tuple[ResweepRequest, ...] = field(default_factory=tuple)


def stage_resweep(
    pages: Iterable[Path],
    cycle: str,
    requests: Sequence[ResweepRequest],
    stage_dir: Path,
    context: LoadContext,
    *,
    first_day: date | None = None,
    evidence: Sequence[SweepEvidence] = (),
    holders: Mapping[str, str] | None = None,
) -> ResweepBatch:
    """Parse and validate the re-swept pages of one cycle; the partitions are the cycle's days, scoped to the
    requests' customers (a record of another customer is quarantined, not loaded). `holders` maps reseller
    pages to their reseller (as `stage_consumption`): the customers are re-swept in every holder's view."""
    first, last = cycle_days(cycle, first_day)
    customers = sorted({r.customer_id for r in requests})
    staged = stage_consumption(
        pages,
        [(first, last + timedelta(days=1))],
        stage_dir / f"cycle-{cycle}",  # the cycles of one run share a load id: each stages in its own folder
        context,
        evidence=evidence,
        scope=("customer_id", customers),
        holders=holders,
    )
    return ResweepBatch(
        spec=staged.spec,
        parts=staged.parts,
        context=staged.context,
        rows=staged.rows,
        rows_in=staged.rows_in,
        quarantine=staged.quarantine,
        drift=staged.drift,
        warnings=staged.warnings,
        evidence=staged.evidence,
        started_at_utc=staged.started_at_utc,
        cycle=cycle,
        requests=tuple(requests),
    )


def commit_resweep(target: duckdb.DuckDBPyConnection | Path | str, batch: ResweepBatch) -> LoadReport:
    """Replace the customers' rows of the cycle's days and close their requests, in one transaction."""

    def close_requests(con: duckdb.DuckDBPyConnection) -> None:
        stamp = now_utc()
        for customer in sorted({r.customer_id for r in batch.requests}):
            con.execute(
                sql("mark_resweeps_done"),
                {
                    "load_id": batch.context.load_id,
                    "stamp": stamp,
                    "partner": batch.context.partner,
                    "cycle": batch.cycle,
                    "customer": customer,
                },
            )

    return commit_batch(target, batch, close_requests)


def reasons(requests: Iterable[ResweepRequest]) -> Mapping[str, list[str]]:
    """Customers per reason, for the run's log and metadata."""
    out: dict[str, list[str]] = {}
    for r in requests:
        out.setdefault(f"{r.cycle} {r.reason} (bill version {r.bill_version})", []).append(r.customer_id)
    return out
