"""The invoice PDF: landscape A4 in Noto Sans SC (SIL OFL 1.1, from the `pylopdf-fonts-zh-cn` package, so no
system fonts), embedded as a subset, so Chinese customer, issuer and service names print on any machine.

Speed: parsing the 8 MB font's metrics costs ~0.5 s and fpdf2 subsets the parsed font in place, so it cannot
be shared as is. The metrics are parsed once per process; each document gets a copy with its own subset
map and a fresh lazily read font file (from bytes kept in memory) whose large `hmtx` and `cmap` tables are
copies of tables decoded once, and bounding boxes are not recomputed on save. What is left per document is
fontTools' subsetting of the glyphs it uses. The PDF's dates are the document's own, so the same document
renders to the same bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from functools import cache
from pathlib import Path
from typing import Any

import pylopdf_fonts_zh_cn
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, SubsetMap, TTFFont

from finance.documents_view import DocumentView, line_cells, total_cells
from finance.safe_cells import money

FONT = "NotoSansSC"
HEADINGS = FontFace(emphasis="", fill_color=(235, 235, 235))  # one regular CJK face: no bold headings
GROUP = FontFace(emphasis="", fill_color=(247, 247, 247))
SUBTOTAL = FontFace(emphasis="", fill_color=(242, 242, 242))


@cache
def font_path() -> Path:
    """The CJK font file the project's own dependency installs."""
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise FileNotFoundError(f"{path}: CJK font missing; reinstall with `make .venv/.installed`")
    return path


@cache
def _font_bytes() -> bytes:
    return font_path().read_bytes()


@cache
def _decoded_tables() -> tuple[Any, Any]:
    """The font's `hmtx` and `cmap` tables, decoded once per process (the subsetter prunes copies of them)."""
    font = ttLib.TTFont(io.BytesIO(_font_bytes()), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    return font["hmtx"], font["cmap"]


def _fresh_ttfont() -> ttLib.TTFont:
    """A font to subset for one document: read lazily, its two large tables copied, not decoded again."""
    font = ttLib.TTFont(io.BytesIO(_font_bytes()), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    hmtx, cmap = _decoded_tables()
    font.tables["hmtx"] = copy.copy(hmtx)
    font.tables["hmtx"].metrics = dict(hmtx.metrics)
    font.tables["cmap"] = copy.copy(cmap)
    font.tables["cmap"].tables = [_copied_subtable(sub) for sub in cmap.tables]
    return font


def _copied_subtable(sub: Any) -> Any:
    out = copy.copy(sub)
    out.cmap = dict(sub.cmap)
    if hasattr(sub, "uvsDict"):  # format 14: variation sequences
        out.uvsDict = {k: list(v) for k, v in sub.uvsDict.items()}
    return out


@cache
def _parsed_font() -> TTFFont:
    """The font's metrics, parsed once per process (never subset: documents get copies)."""
    pdf = FPDF()
    pdf.add_font(FONT, fname=str(font_path()))
    font = pdf.fonts[FONT.lower()]
    assert isinstance(font, TTFFont)
    return font


def _new_pdf() -> FPDF:
    """An FPDF with the CJK font from the per-process parse: what add_font does, without parsing again."""
    pdf = FPDF(orientation="L", format="A4")
    font = copy.copy(_parsed_font())
    font.ttfont = _fresh_ttfont()
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[FONT.lower()] = font
    pdf._set_min_pdf_version("1.6")  # what add_font sets for a CID-keyed CFF font
    return pdf


def _watermark(pdf: FPDF, text: str) -> None:
    """A large light diagonal mark across the page (drafts)."""
    pdf.set_font(FONT, size=90)
    pdf.set_text_color(225, 225, 225)
    with pdf.rotation(25, x=pdf.w / 2, y=pdf.h / 2):
        pdf.text(pdf.w / 2 - pdf.get_string_width(text) / 2, pdf.h / 2 + 15, text)
    pdf.set_text_color(0, 0, 0)


def _lines_table(pdf: FPDF, v: DocumentView) -> None:
    """The lines grouped by charging mode, a subtotal per group, the document total last."""
    with pdf.table(
        col_widths=(61, *([27] * 8)),
        text_align=("LEFT", *(["RIGHT"] * 8)),
        line_height=5,
        headings_style=HEADINGS,
    ) as grid:
        grid.row(v.headers())
        for group in v.groups():
            grid.row().cell(group.title, colspan=9, style=GROUP, align="LEFT")
            for line in group.lines:
                grid.row((f"{line.service_type_name} {line.service_type_code}", *line_cells(line)))
            grid.row((group.subtotal_label, *total_cells(group.lines)), style=SUBTOTAL)
        grid.row((v.t("total"), *total_cells(v.doc.lines)), style=HEADINGS)


def render_pdf(v: DocumentView) -> bytes:
    """A landscape A4 with the same figures as the HTML, in the embedded CJK font."""
    doc = v.doc
    pdf = _new_pdf()
    pdf.set_creation_date((doc.issued_at_utc or doc.created_at_utc).replace(tzinfo=dt.UTC))
    pdf.set_title(v.title)
    pdf.set_author(v.issuer.name)
    pdf.add_page()
    if doc.status == "draft":
        _watermark(pdf, v.t("draft"))
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 10, v.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=(45, 116, 116),
        line_height=5,
        text_align="LEFT",
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
    ) as grid:
        for row in v.parties():
            grid.row(row)
    pdf.ln(2)
    for lab, value in v.meta():
        pdf.cell(80 if v.lang == "both" else 50, 5, lab)
        pdf.cell(0, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FONT, size=8)
    _lines_table(pdf, v)
    pdf.ln(3)
    pdf.set_font(FONT, size=9)
    funding = "  ".join(f"{lab} {amount}" for lab, amount in v.funding())
    pdf.cell(0, 5, f"{v.t('funding')}: {funding}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(
        0,
        6,
        f"{v.t('net_of_tax_amount')}: {money(doc.total('net_of_tax_amount'))}    "
        f"{v.t('tax_amount')}: {money(doc.total('tax_amount'))}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT, size=13)
    due_key = "total_refund" if doc.amount_due < 0 else "total_due"
    pdf.cell(
        0, 9, f"{v.t(due_key)}: {money(doc.amount_due)} {doc.currency}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(FONT, size=7)
    pdf.multi_cell(0, 4, v.tax_note())
    return bytes(pdf.output())
