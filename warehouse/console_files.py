"""Console export files (incentive details, XLSX or CSV) -> typed frames, headers matched by zh/en alias.

Everything is read as text first (XLSX numbers come back in their shortest form; CSV as written) and typed by
the same exact casts as API pages. Header order does not matter. An unknown header is schema drift and its
values go to `extra`; a missing required header (renamed, or absent), an empty file or an encoding that cannot
be told rejects the whole file with a message that names the cause, because a file with an unknown meaning
must not be half-loaded. Cell-level problems (a formula without a calculated value, a malformed number) are
reasons of that row, which goes to quarantine.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from schemas.codes import canonical_incentive_status
from schemas.columns import Column, DatasetSpec, normalize_header
from schemas.incentive_payouts import SPEC as PAYOUT_SPEC
from schemas.incentive_records import SPEC
from schemas.validation import ERRORS_COLUMN
from warehouse.console_encoding import EncodingRefused, decode_export
from warehouse.console_xlsx import FormulaScan, scan_formulas
from warehouse.parse import INDEX, PageParser

GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
"""A number with thousands separators: '1,234.56' (a comma anywhere else makes the text malformed)."""


class ExportFormatError(ValueError):
    """The file is not a readable export of the expected kind (the inbox moves it to rejected/)."""


@dataclass
class IncentiveExport:
    """A parsed export: typed rows (with `_idx` into `raw_rows` and `_errors`), raw rows, drift."""

    frame: pl.DataFrame
    raw_rows: list[dict[str, Any]]
    drift: dict[str, str]
    headers: dict[str, str]


def file_sha256(path: Path) -> str:
    """Content hash of a file (the inbox's identity of an export)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _header_ok(text: str) -> bool:
    """True when the first line of `text` names every required column of an export we know (incentive
    details or payout applications)."""
    first = [h.strip() for h in next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])]
    for spec in (SPEC, PAYOUT_SPEC):
        try:
            header_map(spec, first, "")
        except ExportFormatError:
            continue
        return True
    return False


def _read_csv(path: Path) -> pl.DataFrame:
    data = path.read_bytes()
    text = decode_export(data, path.name, _header_ok).text
    header = text.split("\n", 1)[0]
    separator = "\t" if "\t" in header and "," not in header else ","
    return pl.read_csv(text.encode("utf-8"), infer_schema=False, separator=separator)


def read_text_table(path: Path) -> tuple[pl.DataFrame, FormulaScan]:
    """The first sheet (XLSX) or the CSV as an all-text frame, and the sheet's uncalculated formula cells.

    XLSX rows are read with empty rows kept, so a row's index still points at its sheet row; the caller
    drops the empty ones.
    """
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise ExportFormatError(f"{path.name}: unsupported export type {suffix!r} (expected .xlsx or .csv)")
    if path.stat().st_size == 0:
        raise ExportFormatError(f"{path.name}: empty file (0 bytes); export it again from the console")
    try:
        if suffix == ".csv":
            return _read_csv(path), FormulaScan(None)
        scan = scan_formulas(path)
        return pl.read_excel(path, infer_schema_length=0, drop_empty_rows=False), scan
    except (ExportFormatError, EncodingRefused):
        raise
    except (ValueError, pl.exceptions.PolarsError) as exc:  # fastexcel and polars raise their own types
        kind = "workbook" if suffix != ".csv" else "CSV file"
        raise ExportFormatError(f"{path.name}: not a readable {kind} ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # fastexcel's errors derive from Exception only
        if type(exc).__module__.split(".")[0] != "fastexcel":
            raise
        message = f"{path.name}: not a readable workbook ({type(exc).__name__}: {exc})"
        raise ExportFormatError(message) from exc


def header_map(spec: DatasetSpec, headers: list[str], name: str) -> tuple[dict[str, str], list[str]]:
    """Header -> column for known headers, plus the unknown headers; raises when a required one is missing."""
    aliases: dict[str, Column] = {}
    for known in spec.columns:
        for alias in (*known.headers, known.name):
            if known.headers:
                aliases[normalize_header(alias)] = known
    mapped: dict[str, str] = {}
    unknown: list[str] = []
    for header in headers:
        found = aliases.get(normalize_header(header))
        if found is None:
            unknown.append(header)
        elif found.name in mapped.values():
            raise ExportFormatError(f"{name}: two headers map to {found.name}: {header!r} and another alias")
        else:
            mapped[header] = found.name
    missing = [c for c in spec.columns if c.required and c.name not in mapped.values()]
    if missing:
        wanted = "; ".join(f"{c.name} (one of: {', '.join(c.headers)})" for c in missing)
        extra = f" Unknown headers (renamed?): {', '.join(unknown)}." if unknown else ""
        raise ExportFormatError(f"{name}: required column missing: {wanted}.{extra}")
    return mapped, unknown


def _clean_number(text: str | None, percent_ok: bool) -> tuple[str | None, str | None]:
    """Export number text -> (plain decimal text, reason if malformed); separators and % handled exactly.

    Malformed text is passed on as it is, so the exact cast fails too and the row is quarantined.
    """
    if text is None:
        return None, None
    value = text.strip().replace("¥", "").replace("￥", "").strip()
    if not value:
        return None, None
    if "," in value:
        if not GROUPED.fullmatch(value.removesuffix("%")):
            return text, f"malformed number {text!r} (thousands separators must group three digits)"
        value = value.replace(",", "")
    if percent_ok and value.endswith("%"):
        try:
            return format(Decimal(value[:-1]) / 100, "f"), None
        except InvalidOperation:
            return text, f"malformed percentage {text!r}"
    return value, None


def _clean_period(text: str | None) -> str | None:
    """'2026-01', '2026/01', '202601' or a date cell -> 'YYYY-MM' (other text is left to validation)."""
    if text is None:
        return None
    value = text.strip().replace("/", "-").replace(".", "-")
    if len(value) == 6 and value.isdigit():
        return f"{value[:4]}-{value[4:]}"
    if len(value) >= 7 and value[:4].isdigit() and value[4] == "-":
        month = value[5:7].rstrip("-")
        return f"{value[:4]}-{int(month):02d}" if month.isdigit() else value
    return value


RowCleaner = Callable[[dict[str, Any]], list[str]]
"""Cleans one mapped record in place (numbers, periods, dates of its dataset); returns its reasons."""


def read_incentive_export(path: Path, sha256: str | None = None) -> IncentiveExport:
    """Parse one incentive export into typed rows of billing.incentive_records (not yet validated)."""
    return read_console_export(path, sha256, SPEC, canonical_incentive_status, _clean_incentive)


def _clean_incentive(record: dict[str, Any]) -> list[str]:
    reasons = []
    for name in ("base_amount", "incentive_amount", "rate"):
        record[name], reason = _clean_number(record.get(name), percent_ok=(name == "rate"))
        if reason is not None:
            reasons.append(f"{name}: {reason}")
    record["incentive_period"] = _clean_period(record.get("incentive_period"))
    return reasons


def read_console_export(
    path: Path, sha256: str | None, spec: DatasetSpec, canonical_status: Callable[[str | None], str | None],
    clean: RowCleaner,
) -> IncentiveExport:
    """Read a console export's table, map its headers to `spec`, clean each non-empty row with `clean`
    (formula cells and cleaning problems become the row's reasons; unknown headers are kept as drift), and
    type the rows (`typed_export`)."""
    table, scan = read_text_table(path)
    mapped, unknown = header_map(spec, table.columns, path.name)
    raw_rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    problems: dict[int, list[str]] = {}
    for sheet_index, row in enumerate(table.to_dicts()):
        if all(v is None or not str(v).strip() for v in row.values()):
            continue  # an empty row between or after the data
        record: dict[str, Any] = {mapped[h]: row[h] for h in mapped}
        reasons = list(scan.reasons(sheet_index)) + clean(record)
        for header in unknown:
            record[header] = row[header]
        if reasons:
            problems[len(records)] = reasons
        raw_rows.append(row)
        records.append(record)
    return typed_export(path, sha256, spec, canonical_status, records, raw_rows, unknown, problems, mapped)


def typed_export(
    path: Path,
    sha256: str | None,
    spec: DatasetSpec,
    canonical_status: Callable[[str | None], str | None],
    records: list[dict[str, Any]],
    raw_rows: list[dict[str, Any]],
    unknown: list[str],
    problems: dict[int, list[str]],
    mapped: dict[str, str],
) -> IncentiveExport:
    """The cleaned records of a console export typed by its contract, the status made canonical, the
    cell-level reasons prepended, and the unknown columns' first values kept as drift."""
    drift = {
        h: json.dumps(next((r[h] for r in raw_rows if r[h] is not None), None), ensure_ascii=False)
        for h in unknown
    }
    request = {"source_file": path.name, "file_sha256": sha256 or file_sha256(path)}
    with PageParser(spec, request=request) as parser:
        frame = parser.type_records(records, str(path), None)
    frame = frame.with_columns(
        pl.col("status_raw")
        .map_elements(canonical_status, return_dtype=pl.String, skip_nulls=True)
        .alias("status")
    )
    frame = _with_problems(frame, problems)
    return IncentiveExport(frame=frame, raw_rows=raw_rows, drift=drift, headers=mapped)


def _with_problems(frame: pl.DataFrame, problems: dict[int, list[str]]) -> pl.DataFrame:
    """Prepend the cell-level reasons (formula without value, malformed number) to the rows' `_errors`."""
    if not problems:
        return frame
    extra = pl.Series(
        "_cell_errors", [problems.get(int(i), []) for i in frame.get_column(INDEX).to_list()],
        dtype=pl.List(pl.String),
    )
    return frame.with_columns(
        pl.concat_list(extra, pl.col(ERRORS_COLUMN).fill_null(pl.lit([], dtype=pl.List(pl.String))))
        .alias(ERRORS_COLUMN)
    )
