"""Asset checks per dataset: validation, completeness, freshness, and restatements of final bills.

Validation and completeness judge the materialization of the same run (its metadata carries the
load facts), so a check never opens the warehouse while another run may be writing to it.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    AssetRecordsFilter,
    DagsterEventType,
    asset_check,
)

from pipelines.jobs import FRESHNESS_CHECKED
from pipelines.resources import PipelineSettings

API_DATASETS = ("customers", "resellers", "consumption_records", "monthly_bills", "account_transactions")


def run_metadata(context: AssetCheckExecutionContext, key: AssetKey) -> Mapping[str, Any] | None:
    """Metadata of the asset's materialization in this run, else of its latest one."""
    records = context.instance.get_records_for_run(
        context.run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
    ).records
    events = [r.asset_materialization for r in records if r.asset_materialization is not None]
    mine = [m for m in events if m.asset_key == key]
    if not mine:
        latest = context.instance.get_latest_materialization_event(key)
        mine = [latest.asset_materialization] if latest and latest.asset_materialization else []
    return {k: v.value for k, v in mine[-1].metadata.items()} if mine else None


def validation_verdict(rows_in: int, quarantined: int, max_ratio: float) -> bool:
    """Passes while the quarantined share of the rows read stays within the threshold."""
    return quarantined == 0 or (rows_in > 0 and quarantined / rows_in <= max_ratio)


def _validation(dataset: str) -> AssetChecksDefinition:
    key = AssetKey(dataset)

    @asset_check(
        asset=key,
        name="validation",
        blocking=True,
        description="Quarantined share above PBW_MAX_QUARANTINED_RATIO: ERROR, blocks downstream.",
    )
    def check(context: AssetCheckExecutionContext, settings: PipelineSettings) -> AssetCheckResult:
        md = run_metadata(context, key)
        if md is None:
            return AssetCheckResult(passed=False, description="never materialized")
        rows_in, quarantined = int(md["rows_in"]), int(md["quarantined"])
        return AssetCheckResult(
            passed=validation_verdict(rows_in, quarantined, settings.max_quarantined_ratio),
            severity=AssetCheckSeverity.ERROR,
            metadata={"rows_in": rows_in, "quarantined": quarantined,
                      "max_ratio": settings.max_quarantined_ratio},
        )

    return check


def _completeness(dataset: str) -> AssetChecksDefinition:
    key = AssetKey(dataset)

    @asset_check(
        asset=key,
        name="completeness",
        blocking=True,
        description="Rows fetched equal the count the API announced, for every sweep of the run.",
    )
    def check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        md = run_metadata(context, key)
        if md is None:
            return AssetCheckResult(passed=False, description="never materialized")
        api_count, fetched = int(md["api_count"]), int(md["fetched"])
        return AssetCheckResult(
            passed=api_count == fetched,
            severity=AssetCheckSeverity.ERROR,
            metadata={"api_count": api_count, "fetched": fetched},
        )

    return check


@asset_check(
    asset=AssetKey("monthly_bills"),
    name="restatement",
    description="A final month whose bill changed after it was frozen: stored as a new version, WARN.",
)
def bills_restatement(context: AssetCheckExecutionContext) -> AssetCheckResult:
    """Flags restated cycles; the new version is already stored and the old one kept in history."""
    md = run_metadata(context, AssetKey("monthly_bills")) or {}
    restated = str(md.get("restated_cycles", "")).strip()
    return AssetCheckResult(
        passed=not restated,
        severity=AssetCheckSeverity.WARN,
        metadata={"restated_cycles": restated or "none"},
    )


def _freshness(dataset: str) -> AssetChecksDefinition:
    key = AssetKey(dataset)

    @asset_check(
        asset=key,
        name="freshness",
        description="Yesterday's partition (Beijing) is materialized; run by `freshness_schedule` at 08:00.",
    )
    def check(context: AssetCheckExecutionContext, settings: PipelineSettings) -> AssetCheckResult:
        yesterday = (settings.beijing_today() - timedelta(days=1)).isoformat()
        found = context.instance.fetch_materializations(
            AssetRecordsFilter(asset_key=key, asset_partitions=[yesterday]), limit=1
        ).records
        when = datetime.fromtimestamp(found[0].timestamp, tz=UTC).isoformat() if found else "never"
        return AssetCheckResult(
            passed=bool(found),
            severity=AssetCheckSeverity.ERROR,
            metadata={"partition": yesterday, "materialized_at_utc": when},
        )

    return check


freshness_checks: list[AssetChecksDefinition] = [_freshness(d) for d in FRESHNESS_CHECKED]
"""Yesterday's partition must be loaded by 08:00 Beijing (the daily run starts at 06:00)."""

dataset_checks: list[AssetChecksDefinition] = [
    *(_validation(d) for d in (*API_DATASETS, "incentive_records")),
    *(_completeness(d) for d in API_DATASETS),
    bills_restatement,
]
