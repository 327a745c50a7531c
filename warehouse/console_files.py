"""Console export files (incentive details, XLSX or CSV) -> typed frames, headers matched by zh/en alias.

Everything is read as text first (XLSX numbers come back in their shortest form; CSV as written) and typed by
the same exact casts as API pages. Header order does not matter. An unknown header is schema drift and its
values go to `extra`; a missing required header (renamed, or absent) rejects the whole file with a message
that names it, because a file with an unknown meaning must not be half-loaded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from schemas.codes import canonical_incentive_status
from schemas.columns import Column, DatasetSpec, normalize_header
from schemas.incentive_records import SPEC
from warehouse.parse import PageParser

CSV_ENCODINGS = ("utf-8-sig", "gb18030")


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


def read_text_table(path: Path) -> pl.DataFrame:
    """The first sheet (XLSX) or the CSV as an all-text frame."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            return pl.read_excel(path, infer_schema_length=0)
        except Exception as exc:  # fastexcel raises its own error types for broken workbooks
            raise ExportFormatError(
                f"{path.name}: not a readable workbook ({type(exc).__name__}: {exc})"
            ) from exc
    if suffix == ".csv":
        data = path.read_bytes()
        for encoding in CSV_ENCODINGS:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return pl.read_csv(text.encode("utf-8"), infer_schema=False)
        raise ExportFormatError(f"{path.name}: CSV is neither UTF-8 nor GB18030")
    raise ExportFormatError(f"{path.name}: unsupported export type {suffix!r} (expected .xlsx or .csv)")


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
        column = aliases.get(normalize_header(header))
        if column is None:
            unknown.append(header)
        elif column.name in mapped.values():
            raise ExportFormatError(f"{name}: two headers map to {column.name}: {header!r} and another alias")
        else:
            mapped[header] = column.name
    missing = [c for c in spec.columns if c.required and c.name not in mapped.values()]
    if missing:
        wanted = "; ".join(f"{c.name} (one of: {', '.join(c.headers)})" for c in missing)
        extra = f" Unknown headers (renamed?): {', '.join(unknown)}." if unknown else ""
        raise ExportFormatError(f"{name}: required column missing: {wanted}.{extra}")
    return mapped, unknown


def _clean_number(text: str | None, percent_ok: bool) -> str | None:
    """Export number text -> plain decimal text (thousands separators, currency signs, % handled exactly)."""
    if text is None:
        return None
    value = text.strip().replace(",", "").replace("¥", "").replace("￥", "")
    if not value:
        return None
    if percent_ok and value.endswith("%"):
        try:
            return format(Decimal(value[:-1]) / 100, "f")
        except InvalidOperation:
            return text
    return value


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


def read_incentive_export(path: Path, sha256: str | None = None) -> IncentiveExport:
    """Parse one incentive export into typed rows of billing.incentive_records (not yet validated)."""
    table = read_text_table(path)
    mapped, unknown = header_map(SPEC, table.columns, path.name)
    raw_rows = table.to_dicts()
    records: list[dict[str, Any]] = []
    for row in raw_rows:
        record: dict[str, Any] = {mapped[h]: row[h] for h in mapped}
        for name in ("base_amount", "incentive_amount", "rate"):
            record[name] = _clean_number(record.get(name), percent_ok=(name == "rate"))
        record["incentive_period"] = _clean_period(record.get("incentive_period"))
        for header in unknown:
            record[header] = row[header]
        records.append(record)
    drift = {
        h: json.dumps(next((r[h] for r in raw_rows if r[h] is not None), None), ensure_ascii=False)
        for h in unknown
    }
    request = {"source_file": path.name, "file_sha256": sha256 or file_sha256(path)}
    with PageParser(SPEC, request=request) as parser:
        frame = parser.type_records(records, str(path), None)
    frame = frame.with_columns(
        pl.col("status_raw")
        .map_elements(canonical_incentive_status, return_dtype=pl.String, skip_nulls=True)
        .alias("status")
    )
    return IncentiveExport(frame=frame, raw_rows=raw_rows, drift=drift, headers=mapped)
