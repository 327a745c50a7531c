"""Console export 激励申付 > 申请记录 (payout applications, XLSX or CSV) -> typed frame,
like incentive details.

The reference leaves the export's full column list open (?), so besides the aliases of the contract a partner
may name more headers per column (`extra_headers`, from the payout export config); read the same way as the
incentive details (console_files): text first, exact casts, drift to `extra`, cell problems to quarantine.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from schemas.codes import canonical_payout_status
from schemas.columns import DatasetSpec
from schemas.incentive_payouts import SPEC
from warehouse.console_files import (
    ExportFormatError,
    IncentiveExport,
    _clean_number,
    _clean_period,
    header_map,
    read_console_export,
    read_text_table,
)

HeaderAliases = Mapping[str, tuple[str, ...]]


def read_header_aliases(path: Path) -> dict[str, tuple[str, ...]]:
    """Extra header aliases per column from `[headers]` of the payout export config; none when the file is
    absent (the contract's aliases then suffice)."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExportFormatError(f"{path}: not valid TOML ({exc}); fix the payout export config") from exc
    headers = data.get("headers", {})
    bad = (
        [k for k, v in headers.items() if not isinstance(v, list) or not all(isinstance(h, str) for h in v)]
        if isinstance(headers, dict)
        else ["headers"]
    )
    if bad or set(data) - {"headers"}:
        raise ExportFormatError(
            f"{path}: expected only a [headers] table of column = [\"header\", ...] "
            f"(bad: {bad or sorted(data)}); fix the payout export config"
        )
    aliases = {str(k): tuple(v) for k, v in headers.items()}
    try:
        payout_spec(aliases)
    except ExportFormatError as exc:
        raise ExportFormatError(f"{path}: {exc}; fix the payout export config") from exc
    return aliases


def payout_spec(extra_headers: HeaderAliases | None = None) -> DatasetSpec:
    """The contract with the partner's extra header aliases (column name -> headers); unknown names fail."""
    if not extra_headers:
        return SPEC
    names = {c.name for c in SPEC.columns if c.headers}
    unknown = sorted(set(extra_headers) - names)
    if unknown:
        raise ExportFormatError(
            f"header aliases name unknown columns {unknown}; known: {', '.join(sorted(names))}"
        )
    columns = tuple(
        dataclasses.replace(c, headers=(*c.headers, *extra_headers.get(c.name, ()))) for c in SPEC.columns
    )
    return dataclasses.replace(SPEC, columns=columns)


def is_payout_export(path: Path, extra_headers: HeaderAliases | None = None) -> bool:
    """True when the headers name every required payout-application column (else: incentive details)."""
    try:
        table, _ = read_text_table(path)
        header_map(payout_spec(extra_headers), table.columns, path.name)
    except (ExportFormatError, ValueError):
        return False
    return True


def read_payout_export(
    path: Path, sha256: str | None = None, extra_headers: HeaderAliases | None = None
) -> IncentiveExport:
    """Parse one payout-applications export into typed rows (not yet validated)."""
    spec = payout_spec(extra_headers)
    return read_console_export(path, sha256, spec, canonical_payout_status, _clean_payout)


def _clean_payout(record: dict[str, Any]) -> list[str]:
    reasons = []
    record["applied_amount"], reason = _clean_number(record.get("applied_amount"), percent_ok=False)
    if reason is not None:
        reasons.append(f"applied_amount: {reason}")
    record["incentive_period"] = _clean_period(record.get("incentive_period"))
    if record.get("applied_at") is not None:
        record["applied_at"] = str(record["applied_at"]).strip().replace("/", "-").replace("T", " ")
    return reasons
