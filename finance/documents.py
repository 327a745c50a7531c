"""Invoice files: HTML and PDF for the customer, XLSX and CSV for finance, a detail attachment per document.

What a document shows is decided once in `documents_view` (lines grouped by charging mode with subtotals,
the cash / credit / coupon split, terms, dates); the PDF (`documents_pdf`, an embedded CJK font) and the HTML
here render the same view. Labels are Chinese, English or both, per customer (`finance.labels`).
"""

from __future__ import annotations

import datetime as dt
import string
from importlib import resources
from pathlib import Path

import polars as pl
import xlsxwriter

from finance.documents_pdf import render_pdf
from finance.documents_view import DocumentView, line_cells, total_cells, view_of
from finance.invoicing.planning import MONEY_FIELDS, InvoiceDocument
from finance.price_book import PriceBook
from finance.safe_cells import esc, money, write_cell, write_csv

LINE_COLUMNS = ("charging_mode", "service_type_code", "service_type_name", "tax_rate", *MONEY_FIELDS)


def _template(name: str) -> string.Template:
    return string.Template(resources.files("finance").joinpath("templates", name).read_text(encoding="utf-8"))

def _stamp(doc: InvoiceDocument) -> dt.datetime:
    """When the document was issued (or drafted): the creation time its files carry."""
    return doc.issued_at_utc or doc.created_at_utc


def _row(cells: list[str], first: str, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f"<tr{klass}><td>{first}</td>" + "".join(f'<td class="num">{esc(c)}</td>' for c in cells) + "</tr>"


def _line_rows(v: DocumentView) -> str:
    """The lines grouped by charging mode: a group heading, its lines, its subtotal."""
    rows = []
    for group in v.groups():
        rows.append(f'<tr class="group"><th colspan="9">{esc(group.title)}</th></tr>')
        rows.extend(
            _row(
                line_cells(line),
                f"{esc(line.service_type_name)} <small>{esc(line.service_type_code)}</small>",
            )
            for line in group.lines
        )
        rows.append(_row(total_cells(group.lines), esc(group.subtotal_label), "subtotal"))
    return "\n".join(rows)


def render_html(v: DocumentView) -> str:
    """A self-contained HTML document; every value escaped."""
    doc = v.doc
    totals = total_cells(doc.lines)
    total_row = (
        f'<tr class="total"><td>{esc(v.t("total"))}</td>'
        + "".join(f'<td class="num">{esc(c)}</td>' for c in totals[:-1])
        + f'<td class="num" id="amount-due">{esc(totals[-1])}</td></tr>'
    )
    parties = "\n".join(
        f"<tr><th>{esc(a)}</th><td>{esc(b)}</td><td>{esc(c)}</td></tr>" for a, b, c in v.parties()
    )
    meta = "\n".join(f"<tr><th>{esc(a)}</th><td>{esc(b)}</td></tr>" for a, b in v.meta())
    funding = "".join(
        f'<tr><th>{esc(lab)}</th><td class="num">{esc(amount)}</td></tr>' for lab, amount in v.funding()
    )
    return _template("invoice.html").substitute(
        lang="zh" if v.lang != "en" else "en",
        title=esc(v.title),
        heading=esc(v.title),
        watermark=f'<div class="watermark">{esc(v.t("draft"))}</div>' if doc.status == "draft" else "",
        parties=parties,
        meta=meta,
        headers="".join(f'<th class="{"num" if i else ""}">{esc(h)}</th>' for i, h in enumerate(v.headers())),
        rows=_line_rows(v),
        total_row=total_row,
        funding_title=esc(v.t("funding")),
        funding=funding,
        excl_label=esc(v.t("net_of_tax_amount")),
        excl=esc(money(doc.total("net_of_tax_amount"))),
        tax_label=esc(v.t("tax_amount")),
        tax=esc(money(doc.total("tax_amount"))),
        due_label=esc(v.t("total_refund" if doc.amount_due < 0 else "total_due")),
        due=esc(f"{money(doc.amount_due)} {doc.currency}"),
        note=esc(v.tax_note()),
    )


def write_xlsx(v: DocumentView, path: Path) -> Path:
    """Finance's workbook: a header block and one row per line, amounts as numbers."""
    doc = v.doc
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": _stamp(doc)})  # the document's date, not the clock: same bytes
    try:
        sheet = book.add_worksheet("invoice")
        fmt = book.add_format({"num_format": "#,##0.00"})
        bold = book.add_format({"bold": True})
        meta = [
            ("document", doc.doc_type),
            ("number", doc.invoice_number),
            ("status", doc.status),
            ("issuer", v.issuer.name),
            ("customer_id", doc.customer_id),
            ("customer_name", doc.customer_name),
            ("month", doc.month),
            ("price_rule", doc.price_rule),
            ("currency", doc.currency),
            ("corrects_invoice_id", doc.corrects_invoice_id),
            ("corrects_invoice_number", doc.corrects_invoice_number),
            ("prices_include_tax", "yes" if doc.prices_include_tax else "no"),
            ("issue_date_beijing", v.issue_date),
            ("due_date", doc.due_date),
        ]
        for r, (name, value) in enumerate(meta):
            write_cell(sheet, r, 0, name)
            write_cell(sheet, r, 1, value)
        start = len(meta) + 1
        columns = LINE_COLUMNS
        for c, name in enumerate(columns):
            sheet.write_string(start, c, name, bold)
        for r, line in enumerate(doc.lines, start=start + 1):
            for c, name in enumerate(columns):
                write_cell(sheet, r, c, getattr(line, name), fmt)
        sheet.set_column(0, 1, 28)
        sheet.set_column(2, len(columns), 14)
    finally:
        book.close()
    return path


def write_invoice_csv(doc: InvoiceDocument, path: Path) -> Path:
    """One row per line with the document's identity repeated, for finance imports."""
    identity = {
        "invoice_number": doc.invoice_number,
        "invoice_id": doc.invoice_id,
        "doc_type": doc.doc_type,
        "status": doc.status,
        "customer_id": doc.customer_id,
        "customer_name": doc.customer_name,
        "month": doc.month,
    }
    columns = LINE_COLUMNS
    rows = ((*identity.values(), *(getattr(line, c) for c in columns)) for line in doc.lines)
    return write_csv(path, (*identity, *columns), rows)


def write_detail_xlsx(doc: InvoiceDocument, records: pl.DataFrame, path: Path) -> Path:
    """The attachment: every fee record behind the document, subtotals per line, service and charge mode.

    The customer matches it against its own resources; the per-line sheet (charging mode, service) ties to
    the invoice's lines before the price book (net = payment - coupons, summed exactly, then rounded).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    amounts = [c for c in records.columns if c.endswith("_amount")]
    by_line = records.with_columns(pl.col("charging_mode").fill_null(0))  # the invoice basis' mode 0: other
    sheets = {
        "records": records,
        "by_line": by_line.group_by("charging_mode", "service_type_code")
        .agg(
            pl.col("service_type_name").max(), pl.len().alias("records"), *(pl.col(c).sum() for c in amounts)
        )
        .sort("charging_mode", "service_type_code"),
        "by_service": records.group_by("service_type_code", "service_type_name")
        .agg(pl.len().alias("records"), *(pl.col(c).sum() for c in amounts))
        .sort("service_type_code"),
        "by_charge_mode": records.group_by("charging_mode")
        .agg(pl.len().alias("records"), *(pl.col(c).sum() for c in amounts))
        .sort("charging_mode"),
    }
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": _stamp(doc)})
    try:
        fmt = book.add_format({"num_format": "#,##0.00########"})
        bold = book.add_format({"bold": True})
        info = book.add_worksheet("document")
        for r, (name, value) in enumerate(
            (
                ("document", doc.label),
                ("customer_id", doc.customer_id),
                ("customer_name", doc.customer_name),
                ("month", doc.month),
                ("records", records.height),
            )
        ):
            write_cell(info, r, 0, name)
            write_cell(info, r, 1, value)
        for name, frame in sheets.items():
            sheet = book.add_worksheet(name)
            for c, column in enumerate(frame.columns):
                sheet.write_string(0, c, column, bold)
            for r, row in enumerate(frame.iter_rows(), start=1):
                for c, value in enumerate(row):
                    write_cell(sheet, r, c, value, fmt)
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(frame.height, 1), max(len(frame.columns) - 1, 0))
            sheet.set_column(0, len(frame.columns), 16)
    finally:
        book.close()
    return path


def write_invoice_files(
    doc: InvoiceDocument, book: PriceBook, out_dir: Path, lang: str | None = None
) -> dict[str, Path]:
    """HTML, PDF, XLSX and CSV of one document, named by its number (or DRAFT-<id>)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    v = view_of(doc, book, lang)
    stem = out_dir / doc.label
    html_path = stem.with_suffix(".html")
    html_path.write_text(render_html(v), encoding="utf-8")
    pdf_path = stem.with_suffix(".pdf")
    pdf_path.write_bytes(render_pdf(v))
    return {
        "html": html_path,
        "pdf": pdf_path,
        "xlsx": write_xlsx(v, stem.with_suffix(".xlsx")),
        "csv": write_invoice_csv(doc, stem.with_suffix(".csv")),
    }
