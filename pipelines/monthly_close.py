"""The monthly close of month M (once M is final): reconciliation R1-R5, then customer invoices.

Partitions: monthly (Beijing billing cycles). Backfill policy: single run; each month is closed in
its own transaction, in order. Schedule: `monthly_close_schedule`, 07:00 Beijing on the day after the
bill is final (the 6th). Retry policy: none; a failed close is re-run by hand after a look.
"""

from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    MaterializeResult,
    asset_check,
    multi_asset,
)

from finance.invoicing.store import InvoiceRun, generate_invoices
from finance.price_book import load_price_book
from finance.reconciliation.engine import ReconciliationResult, reconcile_month
from finance.reports import month_data_rows
from finance.reseller_statements import write_statements
from pipelines.checks import run_metadata
from pipelines.close_events import (
    drafts_issued,
    invoices_metadata,
    reconciliation_metadata,
    reconciliation_passed,
)
from pipelines.partitions import monthly_partitions
from pipelines.resources import PipelineSettings, WarehouseResource

FACTS = ("consumption_records", "monthly_bills", "account_transactions", "incentive_records")


# Single-spec multi_assets: `@asset(backfill_policy=...)` is a beta parameter (a BetaWarning at every
# start-up); on `multi_asset` the same policy is stable.
@multi_asset(
    specs=[AssetSpec("reconciliation", deps=[AssetKey(d) for d in FACTS], group_name="monthly_close",
                     kinds={"duckdb"}, description="Findings of R1-R5 per month in "
                     "`marts.reconciliation_findings`; earlier runs stay for audit.")],
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool="duckdb_writer",
)
def reconciliation(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """Findings of R1-R5 per month in `marts.reconciliation_findings`; earlier runs stay for audit."""
    results: list[ReconciliationResult] = []
    data_rows: dict[str, dict[str, int]] = {}
    with warehouse.writer() as con:
        for month in context.partition_keys:
            data_rows[month] = month_data_rows(con, month)
            results.append(reconcile_month(con, month, run_id=f"recon-{month}-{context.run.run_id[:8]}"))
    return MaterializeResult(metadata=reconciliation_metadata(results, data_rows))


@asset_check(
    asset=reconciliation,
    name="no_unexplained_differences",
    description="Every finding matched or within tolerance, and every month had data to compare; "
    "otherwise ERROR with the counts per status.",
)
def reconciliation_explained(context: AssetCheckExecutionContext) -> AssetCheckResult:
    """Fails loudly on unexplained findings (the report lists them) and on a month without data (no
    data is not a green); invoices still follow the data."""
    md = run_metadata(context, AssetKey("reconciliation")) or {}
    return AssetCheckResult(
        passed=reconciliation_passed(md),
        severity=AssetCheckSeverity.ERROR,
        metadata={k: v for k, v in md.items()
                  if k.startswith("status_") or k in ("unexplained", "months_without_data")},
    )


@multi_asset(
    specs=[AssetSpec("invoices", deps=[AssetKey("reconciliation"), AssetKey("customers")],
                     group_name="monthly_close", kinds={"duckdb"}, description="Invoices of month M in "
                     "`marts.invoices`: drafts, or credit/debit notes for what changed since issue.")],
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool="duckdb_writer",
)
def invoices(
    context: AssetExecutionContext, warehouse: WarehouseResource, settings: PipelineSettings
) -> MaterializeResult:
    """Invoices of month M in `marts.invoices`: drafts, or credit/debit notes for what changed since issue;
    and a distributor's statement per reseller (PBW_REPORTS/M/statements/).

    Drafts are issued (numbered and frozen) only with `PBW_ISSUE_INVOICES=1` or `pbw invoice --issue`.
    """
    price_book = load_price_book(settings.price_book_path)
    runs: list[InvoiceRun] = []
    statements = 0
    with warehouse.writer() as con:
        for month in context.partition_keys:
            runs.append(
                generate_invoices(
                    con, month, price_book, issue=settings.issue_invoices, now_utc=settings.clock_utc()
                )
            )
            statements += len(write_statements(
                con, month, Path(settings.reports) / month, generated_at=settings.clock_utc()
            )) // 2
    return MaterializeResult(metadata={**invoices_metadata(runs), "reseller_statements": statements})


@asset_check(
    asset=invoices,
    name="drafts_issued",
    description="WARN while documents this run created for a final month still wait to be issued.",
)
def invoices_issued(context: AssetCheckExecutionContext) -> AssetCheckResult:
    """Drafts are normal until someone issues them; the WARN keeps them visible in the UI."""
    md = run_metadata(context, AssetKey("invoices")) or {}
    return AssetCheckResult(
        passed=drafts_issued(md),
        severity=AssetCheckSeverity.WARN,
        metadata={k: md[k] for k in ("created", "issued", "unchanged") if k in md},
    )
