"""Formula cells of a workbook's first sheet whose value was never calculated.

A spreadsheet reader returns a formula cell's cached value. A workbook written by a program (not saved by a
spreadsheet app) has no cached value, or a placeholder 0 with `fullCalcOnLoad` set in `workbook.xml` (the
app is told to recalculate on opening): such a value is not the number the formula means, and loading it as
0 would be a wrong amount. The sheet XML is read directly to find those cells (ElementTree: it never
resolves external entities, and expat >= 2.4 bounds entity expansion, so a hostile workbook cannot reach
files or blow up memory).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REF = re.compile(r"([A-Z]+)(\d+)")


@dataclass(frozen=True)
class FormulaScan:
    """Uncalculated formula cells by sheet row number, and the row number of the first row with a value."""

    first_row: int | None
    cells: dict[int, list[str]] = field(default_factory=dict)

    def reasons(self, data_index: int) -> list[str]:
        """Reasons for the data row `data_index` (0 = the row under the header row)."""
        if self.first_row is None:
            return []
        return self.cells.get(self.first_row + 1 + data_index, [])


def _first_sheet(book: zipfile.ZipFile) -> str:
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))  # noqa: S314 (module docstring)
    sheet = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
    if sheet is None:
        raise ValueError("workbook has no sheet")
    rel_id = sheet.get(f"{REL}id")
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))  # noqa: S314 (module docstring)
    for rel in rels.iter(f"{PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    raise ValueError(f"workbook relationship {rel_id} of the first sheet is missing")


def _recalculate_on_load(book: zipfile.ZipFile) -> bool:
    calc = ElementTree.fromstring(book.read("xl/workbook.xml")).find(f"{MAIN}calcPr")  # noqa: S314 (module docstring)
    return calc is not None and calc.get("fullCalcOnLoad") in ("1", "true")


def scan_formulas(path: Path) -> FormulaScan:
    """Uncalculated formula cells of the first sheet (raises ValueError for a broken workbook)."""
    try:
        with zipfile.ZipFile(path) as book:
            stale = _recalculate_on_load(book)
            sheet = ElementTree.fromstring(book.read(_first_sheet(book)))  # noqa: S314 (module docstring)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise ValueError(f"not a readable workbook ({type(exc).__name__}: {exc})") from exc
    first_row: int | None = None
    cells: dict[int, list[str]] = {}
    for cell in sheet.iter(f"{MAIN}c"):
        ref = CELL_REF.fullmatch(cell.get("r", ""))
        if ref is None:
            continue
        row = int(ref.group(2))
        value = cell.find(f"{MAIN}v")
        inline = cell.find(f"{MAIN}is")
        has_value = (value is not None and bool(value.text)) or inline is not None
        if first_row is None and has_value:
            first_row = row
        formula = cell.find(f"{MAIN}f")
        if formula is not None and (stale or not has_value):
            cells.setdefault(row, []).append(
                f"cell {ref.group(0)}: formula ={formula.text or ''} has no calculated value "
                "(open the file in a spreadsheet app and save it, or paste values)"
            )
    return FormulaScan(first_row, cells)
