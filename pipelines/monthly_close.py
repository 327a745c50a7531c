"""The monthly close of month M (once M is final): reconciliation R1-R5, then customer invoices.

Partitions: monthly (Beijing billing cycles). Backfill policy: single run; each month is closed in
its own transaction, in order. Schedule: `monthly_close_schedule`, 07:00 Beijing on the day after the
bill is final (the 6th). Retry policy: none; a failed close is re-run by hand after a look.
"""

from collections import Counter
from decimal import Decimal

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MaterializeResult,
    asset,
    asset_check,
)

from finance.invoicing.store import generate_invoices
from finance.price_book import load_price_book
from finance.reconciliation.engine import reconcile_month
from pipelines.checks import run_metadata
from pipelines.partitions import monthly_partitions
from pipelines.resources import PipelineSettings, WarehouseResource

FACTS = ("consumption_records", "monthly_bills", "account_transactions", "incentive_records")


@asset(
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    deps=[AssetKey(d) for d in FACTS],
    pool="duckdb_writer",
    group_name="monthly_close",
    kinds={"duckdb"},
)
def reconciliation(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Findings of R1-R5 per month in `marts.reconciliation_findings`; earlier runs stay for audit."""
    findings = unexplained = 0
    statuses: Counter[str] = Counter()
    with warehouse.writer() as con:
        for month in context.partition_keys:
            result = reconcile_month(con, month, run_id=f"recon-{month}-{context.run.run_id[:8]}")
            findings += result.findings.height
            unexplained += result.unexplained.height
            statuses.update(result.status_counts)
    return MaterializeResult(
        metadata={"months": ",".join(context.partition_keys), "findings": findings,
                  "unexplained": unexplained, **{f"status_{k}": v for k, v in sorted(statuses.items())}}
    )


@asset_check(
    asset=reconciliation,
    name="no_unexplained_differences",
    description="Every finding matched or within tolerance; otherwise ERROR with the counts per status.",
)
def reconciliation_explained(context: AssetCheckExecutionContext) -> AssetCheckResult:
    """Fails loudly on unexplained findings (the report lists them); invoices still follow the data."""
    md = run_metadata(context, AssetKey("reconciliation")) or {}
    unexplained = int(md.get("unexplained", -1))
    return AssetCheckResult(
        passed=unexplained == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={k: v for k, v in md.items() if k.startswith("status_") or k == "unexplained"},
    )


@asset(
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    deps=[reconciliation, AssetKey("customers")],
    pool="duckdb_writer",
    group_name="monthly_close",
    kinds={"duckdb"},
)
def invoices(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Invoices of month M in `marts.invoices`: drafts, or credit/debit notes for what changed since issue.

    Drafts are issued (numbered and frozen) only with `PBW_ISSUE_INVOICES=1` or `pbw invoice --issue`.
    """
    price_book = load_price_book(settings.price_book_path)
    counts: Counter[str] = Counter()
    due = Decimal(0)
    with warehouse.writer() as con:
        for month in context.partition_keys:
            run = generate_invoices(con, month, price_book, issue=settings.issue_invoices)
            counts.update(created=len(run.created), issued=len(run.issued), unchanged=len(run.unchanged))
            due += sum((d.amount_due for d in (*run.created, *run.unchanged)), start=Decimal(0))
    return MaterializeResult(metadata={**counts, "total_amount_due": str(due)})


@asset_check(
    asset=invoices,
    name="drafts_issued",
    description="WARN while documents this run created for a final month still wait to be issued.",
)
def invoices_issued(context: AssetCheckExecutionContext) -> AssetCheckResult:
    """Drafts are normal until someone issues them; the WARN keeps them visible in the UI."""
    md = run_metadata(context, AssetKey("invoices")) or {}
    return AssetCheckResult(
        passed=int(md.get("created", 0)) == 0 or int(md.get("issued", 0)) > 0,
        severity=AssetCheckSeverity.WARN,
        metadata={k: md[k] for k in ("created", "issued", "unchanged") if k in md},
    )
