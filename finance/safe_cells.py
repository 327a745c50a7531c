"""Safe cells for files people open in spreadsheets and browsers.

Customer names and resource tags come from the outside world; a name like `=HYPERLINK(...)` must not
become a formula in finance's Excel, and `<script>` must not run in a report. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter.format
import xlsxwriter.worksheet

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would read as a formula (plain numbers stay as they are)."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_value(value: Any) -> str:
    """One CSV cell: exact decimals, ISO dates, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """A UTF-8 CSV (with BOM, so Excel reads Chinese names) of neutralised cells."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([csv_value(h) for h in header])
        for row in rows:
            out.writerow([csv_value(v) for v in row])
    return path


def write_cell(
    sheet: xlsxwriter.worksheet.Worksheet,
    row: int,
    col: int,
    value: Any,
    money_format: xlsxwriter.format.Format | None = None,
) -> None:
    """Numbers as numbers, text always as text (never as a formula), neutralised."""
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, Decimal | int | float):
        sheet.write_number(row, col, float(value), money_format if isinstance(value, Decimal) else None)
    elif isinstance(value, date | datetime):
        sheet.write_string(row, col, value.isoformat())
    else:
        sheet.write_string(row, col, neutralise(str(value)))


def esc(value: Any) -> str:
    """HTML-escaped text of any value."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return html.escape(format(value, "f"))
    return html.escape(str(value), quote=True)


def money(value: Decimal | None) -> str:
    """Display form of an amount: thousands separators, two decimals (rounded by the caller's rule)."""
    if value is None:
        return "-"
    return f"{value:,.2f}"
