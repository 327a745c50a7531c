"""The month close as Dagster sees it: metadata of `reconciliation` / `invoices` and their check verdicts,
shared by the assets (UI, schedule) and by `pbw reconcile` / `pbw invoice`.

The CLI reports *runless* materializations (`DagsterInstance.report_runless_asset_event`) of the month's
partition instead of executing `monthly_close_job`: that job first re-pulls the month's bills from the API
(a finance user re-running a month with another tolerance may be offline, and must not change the facts he
reconciles), and the CLI's options (settings and plans files, tolerance, one customer, void, issue) would
all have to become run config. Reported events carry the same metadata as the assets' own, plus
`launched_by`, so the UI shows the month close materialized whichever way it ran.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from dagster import (
    AssetCheckEvaluation,
    AssetCheckSeverity,
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    MetadataValue,
)

from finance.invoicing.store import InvoiceRun
from finance.reconciliation.engine import ReconciliationResult
from pipelines.money import money_metadata

RECONCILIATION, INVOICES = AssetKey("reconciliation"), AssetKey("invoices")


def reconciliation_metadata(
    results: Sequence[ReconciliationResult], data_rows: Mapping[str, Mapping[str, int]]
) -> dict[str, MetadataValue]:
    """Findings per status over the months reconciled; `months_without_data` names months with no fact
    row at all (`data_rows`: month -> dataset -> rows), which must never pass as all matched."""
    statuses: dict[str, int] = {}
    for result in results:
        for status, n in result.status_counts.items():
            statuses[status] = statuses.get(status, 0) + n
    empty = [m for m, rows in data_rows.items() if not any(rows.values())]
    return {
        "months": MetadataValue.text(",".join(r.month for r in results)),
        "findings": MetadataValue.int(sum(r.findings.height for r in results)),
        "unexplained": MetadataValue.int(sum(r.unexplained.height for r in results)),
        "months_without_data": MetadataValue.text(",".join(empty)),
        **{f"status_{k}": MetadataValue.int(v) for k, v in sorted(statuses.items())},
    }


def reconciliation_passed(metadata: Mapping[str, object]) -> bool:
    """The `no_unexplained_differences` verdict: findings exist, none unexplained, every month had data."""
    return (int(str(metadata.get("unexplained", -1))) == 0 and int(str(metadata.get("findings", 0))) > 0
            and not str(metadata.get("months_without_data", "")))


def invoices_metadata(runs: Sequence[InvoiceRun]) -> dict[str, MetadataValue]:
    """Documents created, issued and unchanged, and the amount due of the current ones (gross, with VAT)."""
    due = sum((d.amount_due for r in runs for d in (*r.created, *r.unchanged)), start=Decimal(0))
    return {
        "created": MetadataValue.int(sum(len(r.created) for r in runs)),
        "issued": MetadataValue.int(sum(len(r.issued) for r in runs)),
        "unchanged": MetadataValue.int(sum(len(r.unchanged) for r in runs)),
        **money_metadata("total_amount_due", due),
    }


def drafts_issued(metadata: Mapping[str, object]) -> bool:
    """The `drafts_issued` verdict: nothing new was created, or this run issued what it created."""
    return int(str(metadata.get("created", 0))) == 0 or int(str(metadata.get("issued", 0))) > 0


def report_reconciliation(
    instance: DagsterInstance, result: ReconciliationResult, data_rows: Mapping[str, int], launched_by: str
) -> None:
    """A runless materialization of `reconciliation` for the month and its check evaluation."""
    metadata = {**reconciliation_metadata([result], {result.month: data_rows}),
                "launched_by": MetadataValue.text(launched_by),
                "reconciliation_run_id": MetadataValue.text(result.run_id)}
    instance.report_runless_asset_event(
        AssetMaterialization(RECONCILIATION, partition=result.month, metadata=metadata)
    )
    plain = {k: v.value for k, v in metadata.items()}
    instance.report_runless_asset_event(AssetCheckEvaluation(
        asset_key=RECONCILIATION, check_name="no_unexplained_differences",
        passed=reconciliation_passed(plain), severity=AssetCheckSeverity.ERROR,
        metadata={k: v for k, v in metadata.items()
                  if k.startswith("status_") or k in ("unexplained", "months_without_data")},
    ))


def report_invoices(instance: DagsterInstance, month: str, run: InvoiceRun, launched_by: str) -> None:
    """A runless materialization of `invoices` for the month and its `drafts_issued` evaluation."""
    metadata = {**invoices_metadata([run]), "launched_by": MetadataValue.text(launched_by)}
    instance.report_runless_asset_event(AssetMaterialization(INVOICES, partition=month, metadata=metadata))
    plain = {k: v.value for k, v in metadata.items()}
    instance.report_runless_asset_event(AssetCheckEvaluation(
        asset_key=INVOICES, check_name="drafts_issued", passed=drafts_issued(plain),
        severity=AssetCheckSeverity.WARN,
        metadata={k: metadata[k] for k in ("created", "issued", "unchanged")},
    ))
