"""The distributor's reseller data: `billing.indirect_partners` (+ history), `billing.reseller_balances`,
`billing.issued_coupon_quotas`, `billing.coupon_quota_records` and `billing.adjust_records`.

Not partitioned: every list is small and read whole on each run (balances are a snapshot of the Beijing day,
replaced per day). Calls: the reseller list, one balance read per holder, one sweep of the issued quotas and
one of their records (both list every reseller at once), one adjust-records sweep per holder. Runs in
`daily_job`. Retry policy: fetch retried once, 60 s later, when the client's own retries were exhausted by
an outage (`retry_on_outage`), load 2x on a lock timeout (`retry_on_lock`).
"""

from typing import Any

from dagster import Nothing, OpExecutionContext, Out, Output, graph_asset, op

from partner_center.client import SweepRequest
from pipelines.fetching import (
    Fetched,
    SweepStats,
    evidence,
    materialization_metadata,
    partner_domain_id,
    retry_on_lock,
    sweep,
)
from pipelines.holders import for_holder, holder_of, list_holders, load_context
from pipelines.resources import PartnerCenterResource, PipelineSettings, WarehouseResource
from schemas import resellers as specs
from warehouse.loaders.resellers import ResellerBatches, commit_reseller_batches, stage_reseller_dataset


@op(pool="api_indirect_partners")
def fetch_resellers(
    context: OpExecutionContext,
    partner_center: PartnerCenterResource,
    warehouse: WarehouseResource,
    settings: PipelineSettings,
) -> Fetched:
    """Sweep the reseller list, every holder's balances and allocations, the issued quotas and their log."""
    spool = warehouse.spool_dir(context.run_id, "resellers")
    holders, found = list_holders(partner_center, spool)
    per_holder = [
        *(("partner_balances", for_holder({}, h)) for h in holders),
        *(("adjust_records", for_holder({}, h)) for h in holders),
    ]
    whole: list[SweepRequest] = [("issued_coupon_quotas", {}), ("coupon_quota_records", {})]
    if len(holders) == 1:
        whole = []  # no reseller: nothing can have been issued to one
    swept = sweep(partner_center, [*per_holder, *whole], spool)
    load = load_context(context.run_id, partner_domain_id(partner_center))
    today = settings.beijing_today()

    def stage(spec: specs.DatasetSpec, endpoint: str, snapshot: Any = None) -> Any:
        done = [s for s in (found if endpoint == "indirect_partners" else swept) if s.endpoint == endpoint]
        pages = [(holder_of(s), s.page_files) for s in done]
        return stage_reseller_dataset(
            spec, pages, spool, load, snapshot=snapshot, evidence=evidence(spec.name, done)
        )

    batches = (
        stage(specs.INDIRECT_PARTNERS, "indirect_partners"),
        stage(specs.RESELLER_BALANCES, "partner_balances", today),
        stage(specs.ISSUED_COUPON_QUOTAS, "issued_coupon_quotas"),
        stage(specs.COUPON_QUOTA_RECORDS, "coupon_quota_records"),
        stage(specs.ADJUST_RECORDS, "adjust_records"),
    )
    pull = ResellerBatches(batches=batches)
    return Fetched(pull, spool, SweepStats.of(swept, found))


@op(pool="duckdb_writer", out=Out(Nothing))
def load_resellers_op(context: OpExecutionContext, fetched: Fetched, warehouse: WarehouseResource) -> Any:
    """Replace the five datasets in one transaction (bad rows to quarantine)."""
    pull: ResellerBatches = fetched.batch
    with retry_on_lock(), warehouse.writer() as con:
        reports = commit_reseller_batches(con, pull)
    fetched.cleanup()
    metadata = materialization_metadata(fetched, reports[0])
    metadata.update({f"rows_{r.dataset}": r.rows_loaded for r in reports})
    metadata.update(rows=sum(r.rows_loaded for r in reports), rows_in=sum(r.rows_in for r in reports),
                    quarantined=sum(r.rows_quarantined for r in reports))
    yield Output(None, metadata=metadata)


@graph_asset(group_name="billing", kinds={"duckdb"}, description=__doc__)
def resellers() -> Any:
    """Fetch (pool api_indirect_partners) then load (pool duckdb_writer)."""
    return load_resellers_op(fetch_resellers())

