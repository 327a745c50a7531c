"""`consumption_resweeps`: fee records of an ended month fetched again after its bill changed.

The daily run reloads D-k..D only, so a record added to a closed month (a restatement, published days
later and dated earlier) would never reach the warehouse or the invoices. `monthly_bills` records which
(cycle, customer) changed in `audit.resweep_requests`; this asset, next in the same run (`bills_job`,
`monthly_close_job`), sweeps `res-fee-records` again for each such customer over the cycle's days and
replaces only that customer's rows of those days, closing its requests in the same transaction (a failed
or killed re-sweep stays requested for the next run). The run log and the materialization say what was
re-swept and why.

Partitions: monthly (the cycles of the run). Backfill policy: single run. Retry policy: fetch retried once,
60 s later, when the client's own retries were exhausted by an outage (`retry_on_outage`;
`PBW_OUTAGE_RETRIES`, `PBW_OUTAGE_RETRY_WAIT_S`), load 2x on a lock timeout (`retry_on_lock`).
"""

import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dagster import (
    AssetIn,
    BackfillPolicy,
    In,
    Nothing,
    OpExecutionContext,
    Out,
    Output,
    graph_asset,
    op,
)

from partner_center.client import SweepRequest
from partner_center.paging import Sweep
from pipelines.fetching import SweepStats, evidence, partner_domain_id, retry_on_lock, stream_sweeps
from pipelines.holders import for_holder, holder_pages, list_holders, load_context
from pipelines.partitions import monthly_partitions, start_date
from pipelines.resources import PartnerCenterResource, WarehouseResource
from warehouse.connection import reader
from warehouse.contract import LoadContext
from warehouse.loaders.resweeps import (
    ResweepBatch,
    ResweepRequest,
    commit_resweep,
    cycle_days,
    pending_resweeps,
    reasons,
    stage_resweep,
)


@dataclass(frozen=True)
class Resweeps:
    """What the fetch step hands to the load step: one staged batch per cycle, the spool, the API's stats."""

    batches: tuple[ResweepBatch, ...]
    spool_dir: Path
    stats: SweepStats


@op(pool="api_res_fee_records", ins={"after_bills": In(Nothing)})
def fetch_consumption_resweeps(
    context: OpExecutionContext, partner_center: PartnerCenterResource, warehouse: WarehouseResource
) -> Resweeps:
    """The open requests of the run's cycles, one sweep per (cycle, customer) over its days, staged."""
    partner = partner_domain_id(partner_center)
    with reader(warehouse.file, bounded=True) as con:
        pending = pending_resweeps(
            con, tuple(context.partition_keys), LoadContext(partner_domain_id=partner).partner
        )
    spool = warehouse.spool_dir(context.run.run_id, "consumption_resweeps")
    for why, customers in reasons(pending).items():
        context.log.info(f"re-sweeping the fee records of {why}: customers {', '.join(customers)}")
    by_cycle: dict[str, list[ResweepRequest]] = {}
    for request in pending:
        by_cycle.setdefault(request.cycle, []).append(request)
    load = load_context(context.run.run_id, partner)
    batches: list[ResweepBatch] = []
    swept: list[Sweep] = []
    for cycle, requests in by_cycle.items():
        fees, batch = resweep_cycle(partner_center, spool, load, cycle, requests)
        swept.extend(fees)
        batches.append(batch)
    return Resweeps(tuple(batches), spool, SweepStats.of(swept))


def resweep_cycle(
    partner_center: PartnerCenterResource,
    spool: Path,
    load: LoadContext,
    cycle: str,
    requests: Sequence[ResweepRequest],
) -> tuple[list[Sweep], ResweepBatch]:
    """Sweep the customers' fee records of the cycle's days (as the daily run asks) and stage them."""
    first, last = cycle_days(cycle, start_date())
    # every holder's view: the customer's rows of those days are replaced for all holders at once, and a
    # customer that changed hands has records in more than one view (a restatement is rare: N+1 calls)
    holders, found = list_holders(partner_center, spool)
    sweeps: list[SweepRequest] = [
        (
            "res_fee_records",
            for_holder({
                "bill_cycle": cycle,
                "customer_id": r.customer_id,
                "bill_date_begin": first.isoformat(),
                "bill_date_end": last.isoformat(),
            }, holder),
        )
        for r in requests
        for holder in holders
    ]
    holder_of_page: dict[str, str] = {}

    def stage(done: Iterator[Sweep]) -> ResweepBatch:
        pages = holder_pages(done, holder_of_page)
        return stage_resweep(pages, cycle, requests, spool, load, first_day=start_date(),
                             holders=holder_of_page)

    fees, staged = stream_sweeps(partner_center, sweeps, spool, stage, discard=ResweepBatch.discard)
    return [*found, *fees], replace(staged, evidence=evidence("consumption_records", fees))


@op(pool="duckdb_writer", out=Out(Nothing))
def load_consumption_resweeps(
    context: OpExecutionContext, fetched: Resweeps, warehouse: WarehouseResource
) -> Any:
    """Commit each cycle's re-sweep in its own transaction (its customers' rows, requests closed)."""
    done: list[dict[str, Any]] = []
    rows = quarantined = 0
    if fetched.batches:  # nothing to re-sweep (the usual day): the writer is not even opened
        with retry_on_lock(), warehouse.writer() as con:
            for batch in fetched.batches:
                report = commit_resweep(con, batch)
                rows += report.rows_loaded
                quarantined += report.rows_quarantined
                done.extend(
                    {
                        "cycle": r.cycle,
                        "customer_id": r.customer_id,
                        "reason": r.reason,
                        "bill_version": r.bill_version,
                    }
                    for r in batch.requests
                )
    shutil.rmtree(fetched.spool_dir, ignore_errors=True)
    summary = (
        "; ".join(
            f"{why}: {', '.join(c)}"
            for why, c in reasons(r for b in fetched.batches for r in b.requests).items()
        )
        or "nothing to re-sweep"
    )
    context.log.info(f"re-swept {len(done)} customer month(s), {rows} fee records loaded: {summary}")
    yield Output(
        None,
        metadata={
            "resweeps": len(done),
            "resweep_reasons": summary,
            "resweeps_detail": done,
            "rows": rows,
            "quarantined": quarantined,
            "api_calls": fetched.stats.api_calls,
            "retries": fetched.stats.retries,
        },
    )


@graph_asset(
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    ins={"monthly_bills": AssetIn(dagster_type=Nothing)},
    group_name="billing",
    kinds={"duckdb"},
    description=__doc__,
)
def consumption_resweeps(monthly_bills: Any) -> Any:
    """After the bills: fetch (pool api_res_fee_records) then load (pool duckdb_writer)."""
    return load_consumption_resweeps(fetch_consumption_resweeps(monthly_bills))
