"""`billing.monthly_bills` (+ account details, versions): monthly sums per cycle, a version per change.

Monthly sums nest their account details; staging flattens them into their own table and checks that the
details add up to the bill. A cycle gets a new version only when its content hash changed: the previous
version moves to the *_history tables, and a new version of a cycle that was final is a restatement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from schemas import monthly_bills
from schemas.validation import RuleSettings, split_valid
from warehouse.connection import transaction, writer
from warehouse.contract import (
    LoadContext,
    LoadReport,
    PartitionSet,
    StagedBatch,
    StagedRows,
    SweepEvidence,
    now_utc,
    partition_set,
)
from warehouse.parse import PageParser, check_required, load_page
from warehouse.replace import write_audit
from warehouse.sqlfiles import sql
from warehouse.staging import (
    Staging,
    finish_frame,
    quarantine_frame,
    record_key,
    stage_batches,
    staged_path,
    staging_dir,
)
from warehouse.staging import ident as _ident

_HASH_EXCLUDE = ("load_id", "version", "partner_domain_id")
_PARENT_KEYS = ("customer_id", "cloud_service_type", "resource_type_code", "charge_mode", "bill_type")


@dataclass(frozen=True)
class StagedCycle:
    """One cycle's validated bills and account details, staged, with the hash that decides a new version."""

    cycle: str
    bills: StagedRows
    details: StagedRows
    content_hash: str
    amount_total: Decimal
    is_final: bool
    closed: bool = False
    """The cycle has ended: a new version's changed customers are re-swept (`audit.resweep_requests`)."""


@dataclass(frozen=True, kw_only=True)
class BillsBatch(StagedBatch):
    """Staged monthly bills, one `StagedCycle` per cycle (their files replace the batch's single file)."""

    cycles: tuple[StagedCycle, ...] = ()

    def discard(self) -> None:
        """Delete the staged files of every cycle."""
        for staged in self.cycles:
            for rows in (staged.bills, staged.details):
                rows.remove()


def content_hash(frames: Sequence[pl.DataFrame]) -> str:
    """Order-independent sha256 of rows (money as exact text); equal content -> equal hash."""
    digest = hashlib.sha256()
    for frame in frames:
        rows = sorted(
            json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in frame.to_dicts()
        )
        digest.update(str(len(rows)).encode())
        for row in rows:
            digest.update(row.encode("utf-8"))
            digest.update(b"\n")
    return digest.hexdigest()


def stage_monthly_bills(
    pages: Mapping[str, Sequence[Path]],
    stage_dir: Path,
    context: LoadContext,
    *,
    final: Mapping[str, bool] | None = None,
    closed: Mapping[str, bool] | None = None,
    evidence: Sequence[SweepEvidence] = (),
    holders: Mapping[str, str] | None = None,
) -> BillsBatch:
    """Parse, flatten and validate monthly-sum pages per cycle (the cycle is the request's: none is sent).

    `holders` maps a page file (path text) to the reseller it was read for (`indirect_partner_id`); pages it
    does not name are the distributor's own. One version per cycle covers every holder.

    `closed` names the cycles that have ended: a change to their bills asks for a re-sweep of the changed
    customers' fee records (the daily window no longer covers their days)."""
    spec = monthly_bills.SPEC
    parts = partition_set(spec, list(pages))
    staging = Staging()
    cycles: list[StagedCycle] = []
    for cycle, paths in pages.items():
        bills, details = _parse_cycle(cycle, [Path(p) for p in paths], context, parts, staging, holders or {})
        digest = content_hash(
            [bills.drop(_HASH_EXCLUDE, strict=False), details.drop(_HASH_EXCLUDE, strict=False)]
        )
        amount_total = sum((v for v in bills.get_column("amount").to_list() if v is not None), Decimal(0))
        cycles.append(
            StagedCycle(
                cycle=cycle,
                bills=stage_batches([bills], staged_path(stage_dir, spec, context, f"{cycle}-bills")),
                details=stage_batches([details], staged_path(stage_dir, spec, context, f"{cycle}-details")),
                content_hash=digest,
                amount_total=amount_total,
                is_final=bool((final or {}).get(cycle, False)),
                closed=bool((closed or {}).get(cycle, False)),
            )
        )
    return BillsBatch(
        spec=spec,
        parts=parts,
        context=context,
        rows=StagedRows(None, sum(c.bills.rows for c in cycles)),
        cycles=tuple(cycles),
        **staging.batch_fields(evidence),
    )


def commit_monthly_bills(target: duckdb.DuckDBPyConnection | Path | str, batch: BillsBatch) -> LoadReport:
    """Store a new version of each cycle whose content changed, in one transaction with the audit rows."""
    if not isinstance(target, duckdb.DuckDBPyConnection):
        with writer(target) as con:
            return commit_monthly_bills(con, batch)
    spec, dspec = monthly_bills.SPEC, monthly_bills.DETAILS_SPEC
    partner, load_id = batch.context.partner, batch.context.load_id
    new_versions: dict[str, int] = {}
    restated: list[str] = []
    resweeps: dict[str, int] = {}
    loaded = 0
    with transaction(target) as con:
        for staged in batch.cycles:
            params = {"partner": partner, "cycle": staged.cycle}
            latest = con.execute(sql("select_latest_bill_version"), params).fetchall()
            previous = latest[0] if latest else None
            if previous is not None and previous[1] == staged.content_hash:
                if staged.is_final:
                    con.execute(sql("mark_bill_version_final"), {**params, "version": previous[0]})
                continue
            version = 1 if previous is None else int(previous[0]) + 1
            was_final = bool(previous is not None and previous[2])
            execute_each(con, sql("archive_monthly_bills"), params)
            execute_each(con, sql("archive_monthly_bill_account_details"), params)
            loaded += _insert_version(con, spec.table, staged.bills, version)
            _insert_version(con, dspec.table, staged.details, version)
            con.execute(
                sql("insert_bill_version"),
                {
                    "cycle": staged.cycle,
                    "version": version,
                    "content_hash": staged.content_hash,
                    "pulled_at_utc": now_utc(),
                    "rows": staged.bills.rows,
                    "amount_total": staged.amount_total,
                    "is_final": staged.is_final,
                    "is_restatement": was_final,
                    "load_id": load_id,
                    "partner_domain_id": partner,
                },
            )
            new_versions[staged.cycle] = version
            if was_final:
                restated.append(staged.cycle)
            if previous is not None and staged.closed:
                resweeps[staged.cycle] = request_resweeps(
                    con, params, version, "restatement" if was_final else "changed before final", load_id
                )
        report = write_audit(con, batch, loaded)
    return replace(report, restated_cycles=restated, new_versions=new_versions, resweeps_requested=resweeps)


def request_resweeps(
    con: duckdb.DuckDBPyConnection, params: Mapping[str, Any], version: int, reason: str, load_id: str
) -> int:
    """Ask for a re-sweep of the customers whose bill rows changed from the previous version; returns how
    many. Recorded in the version's transaction, so a crash cannot lose the request."""
    before = con.execute(sql("count_resweep_requests"), params).fetchone()
    con.execute(
        sql("insert_resweep_requests"),
        {**params, "version": version, "previous": version - 1, "reason": reason, "stamp": now_utc(),
         "load_id": load_id},
    )
    after = con.execute(sql("count_resweep_requests"), params).fetchone()
    return int(after[0] if after else 0) - int(before[0] if before else 0)


def load_monthly_bills(
    con: duckdb.DuckDBPyConnection,
    pages: Mapping[str, Sequence[Path]],
    partitions: Sequence[str],
    *,
    run_id: str | None = None,
    final: Mapping[str, bool] | None = None,
    partner_domain_id: str | None = None,
    settings: RuleSettings | None = None,
    load_id: str | None = None,
    evidence: Sequence[SweepEvidence] = (),
    work_dir: Path | None = None,
) -> LoadReport:
    """monthly-sum pages by cycle -> a new version of a cycle only when its content hash changed.

    Every cycle of `partitions` is loaded, a cycle without pages as an empty one.
    """
    by_cycle: dict[str, list[Path]] = {str(c): [] for c in partitions}
    for cycle, paths in pages.items():
        by_cycle.setdefault(cycle, []).extend(Path(p) for p in paths)
    context = LoadContext.of(run_id, partner_domain_id, load_id, settings)
    with staging_dir(work_dir) as stage_dir:
        batch = stage_monthly_bills(by_cycle, stage_dir, context, final=final, evidence=evidence)
        return commit_monthly_bills(con, batch)


def _insert_version(con: duckdb.DuckDBPyConnection, table: str, staged: StagedRows, version: int) -> int:
    if staged.path is None:
        return 0
    con.execute(
        sql("insert_staged_version").format(table=_ident(table)),
        {"path": staged.files, "version": version},
    )
    return staged.rows


def execute_each(con: duckdb.DuckDBPyConnection, script: str, params: Mapping[str, Any]) -> None:
    """Run a multi-statement .sql file statement by statement with the same bound parameters."""
    for statement in script.split(";"):
        body = "\n".join(line for line in statement.splitlines() if not line.strip().startswith("--")).strip()
        if body:
            con.execute(body, dict(params))


def _flatten(
    paths: Sequence[Path],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int], str | None]:
    """Bills without their account details, the details with their bill's keys, each detail's bill index."""
    spec = monthly_bills.SPEC
    records: list[dict[str, Any]] = []
    detail_records: list[dict[str, Any]] = []
    parents: list[int] = []
    currency: str | None = None
    for path in paths:
        page = load_page(path)
        currency = page.get("currency", currency)
        page_records = page.get(spec.records_field) or []
        check_required(spec, page_records, f"page {path.name}")
        for record in page_records:
            bill = {k: v for k, v in record.items() if k != "account_details"}
            records.append(bill)
            for detail in record.get("account_details") or []:
                flat = {k: bill.get(k) for k in _PARENT_KEYS}
                flat.update({k: v for k, v in detail.items() if k not in flat})
                detail_records.append(flat)
                parents.append(len(records) - 1)
    return records, detail_records, parents, currency


def _by_holder(paths: Sequence[Path], holders: Mapping[str, str]) -> list[tuple[str | None, list[Path]]]:
    """Page files grouped by the holder they were read for, in first-seen order (one empty group if none)."""
    groups: dict[str | None, list[Path]] = {}
    for path in paths:
        groups.setdefault(holders.get(str(path)), []).append(path)
    return list(groups.items()) or [(None, [])]


def _typed_cycle(
    cycle: str, paths: Sequence[Path], staging: Staging, holders: Mapping[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame, list[dict[str, Any]], list[int]]:
    """Typed bills and details of one cycle, per holder (the request's reseller), concatenated."""
    spec, dspec = monthly_bills.SPEC, monthly_bills.DETAILS_SPEC
    records: list[dict[str, Any]] = []
    parents: list[int] = []
    bill_frames, detail_frames = [], []
    for holder, group in _by_holder(paths, holders):
        recs, detail_recs, pars, currency = _flatten(group)
        request = {"cycle": cycle, "indirect_partner_id": holder}
        with PageParser(spec, request=request) as parser, PageParser(dspec, request=request) as dp:
            bill_frames.append(parser.type_records(recs, f"monthly-sum {cycle}", currency))
            source = f"monthly-sum {cycle} account_details"
            detail_frames.append(dp.type_records(detail_recs, source, currency))
            staging.merge_drift(parser.drift)
        parents.extend(p + len(records) for p in pars)
        records.extend(recs)
    return pl.concat(bill_frames), pl.concat(detail_frames), records, parents


def _parse_cycle(
    cycle: str, paths: Sequence[Path], context: LoadContext, parts: PartitionSet, staging: Staging,
    holders: Mapping[str, str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Bills and their flattened account details of one cycle, validated (bad rows quarantined)."""
    spec, dspec = monthly_bills.SPEC, monthly_bills.DETAILS_SPEC
    bills, details, records, parents = _typed_cycle(cycle, paths, staging, holders)
    load_columns = [
        pl.lit(context.partner).alias("partner_domain_id"),
        pl.lit(context.load_id).alias("load_id"),
    ]
    bills, details = bills.with_columns(load_columns), details.with_columns(load_columns)
    details = details.with_columns(pl.Series("_parent", parents, dtype=pl.Int64))
    sums = details.group_by("_parent").agg(
        pl.col("amount").sum().alias(monthly_bills.DETAILS_SUM), pl.col("amount").max().alias("_details_max")
    )
    bills = (
        bills.with_row_index("_parent")
        .with_columns(pl.col("_parent").cast(pl.Int64))
        .join(sums, on="_parent", how="left")
        .with_columns(
            pl.col(monthly_bills.DETAILS_SUM).fill_null(pl.col("amount")),
            pl.lit(0, pl.Int32).alias("version"),
        )
    )
    raw_bills = dict(enumerate(records))
    bill_check = split_valid(
        bills,
        monthly_bills.model(context.settings),
        spec.key,
        context.settings,
        [r.name for r in monthly_bills.S_RULES],
        set(),
    )
    for rule, count in bill_check.warnings.items():
        staging.warnings[rule] = staging.warnings.get(rule, 0) + count
    staging.log.rows_in += bills.height
    quarantine_frame(
        bill_check.bad, spec, parts, staging.quarantine, lambda row: raw_bills[int(row["_parent"])]
    )
    good_parents = set(bill_check.good.get_column("_parent").to_list())
    details = details.with_columns(pl.lit(0, pl.Int32).alias("version"))
    kept = details.filter(pl.col("_parent").is_in(list(good_parents)))
    detail_check = split_valid(kept, monthly_bills.AccountDetailModel, dspec.key, context.settings, (), set())
    if detail_check.bad.height:
        bad_parents = set(detail_check.bad.get_column("_parent").to_list())
        for row in detail_check.bad.to_dicts():
            staging.quarantine.add(
                dspec.name,
                cycle,
                record_key(row, dspec.key),
                list(row["_reasons"]),
                raw_bills[int(row["_parent"])],
            )
        good_bills = bill_check.good.filter(~pl.col("_parent").is_in(list(bad_parents)))
        kept = detail_check.good.filter(~pl.col("_parent").is_in(list(bad_parents)))
    else:
        good_bills = bill_check.good
        kept = detail_check.good
    return finish_frame(good_bills, spec, context), finish_frame(kept, dspec, context)
