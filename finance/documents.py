"""Invoice files: HTML and PDF for the customer, XLSX and CSV for finance.

The PDF uses fpdf2's built-in Helvetica (no system fonts, no font files: none ships in our pip packages), so
it holds Latin-1 text only; a name outside Latin-1 (e.g. a Chinese service name) is shown by its code or id.
"""

from __future__ import annotations

import string
from decimal import Decimal
from importlib import resources
from pathlib import Path

import xlsxwriter
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from finance.invoicing.planning import MONEY_FIELDS, InvoiceDocument, InvoiceLine
from finance.price_book import Issuer
from finance.safe_cells import esc, money, write_cell, write_csv

TITLES = {"invoice": "Invoice", "credit_note": "Credit note", "debit_note": "Debit note"}
HEADERS = ("Service", "List amount", "Discount", "Coupons", "Net", "Adjustment", "Amount due")


def _template(name: str) -> string.Template:
    return string.Template(
        resources.files("finance").joinpath("templates", name).read_text(encoding="utf-8")
    )


def _latin1(text: str, fallback: str) -> str:
    """Text the PDF core font can draw, else the fallback (an ASCII code or id)."""
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return fallback
    return text


def _totals(doc: InvoiceDocument) -> dict[str, Decimal]:
    return {f: doc.total(f) for f in MONEY_FIELDS}


def render_html(doc: InvoiceDocument, issuer: Issuer) -> str:
    """A self-contained HTML document; every value escaped."""
    rows = "\n".join(
        "<tr><td>"
        + esc(line.service_type_name)
        + f" <small>{esc(line.service_type_code)}</small></td>"
        + "".join(f'<td class="num">{esc(money(getattr(line, f)))}</td>' for f in MONEY_FIELDS)
        + "</tr>"
        for line in doc.lines
    )
    totals = _totals(doc)
    corrects = (
        f"<tr><td>Corrects</td><td>{esc(doc.corrects_invoice_id)}</td></tr>"
        if doc.corrects_invoice_id
        else ""
    )
    title = TITLES.get(doc.doc_type, doc.doc_type)
    return _template("invoice.html").substitute(
        title=esc(f"{title} {doc.label}"),
        heading=esc(f"{title} {doc.label}"),
        status=esc(doc.status.upper()),
        issuer_name=esc(issuer.name),
        issuer_address=esc(issuer.address),
        issuer_tax_id=esc(issuer.tax_id),
        customer_name=esc(doc.customer_name),
        customer_id=esc(doc.customer_id),
        month=esc(doc.month),
        number=esc(doc.invoice_number or "(draft, not numbered)"),
        issued_at=esc(doc.issued_at_utc.isoformat(sep=" ", timespec="seconds") if doc.issued_at_utc else "-"),
        price_rule=esc(doc.price_rule),
        corrects_row=corrects,
        currency=esc(doc.currency),
        rows=rows,
        total_list=esc(money(totals["list_amount"])),
        total_discount=esc(money(totals["discount_amount"])),
        total_coupons=esc(money(totals["coupon_amount"])),
        total_net=esc(money(totals["net_amount"])),
        total_adjustment=esc(money(totals["adjustment_amount"])),
        total_due=esc(money(totals["amount_due"])),
    )


def render_pdf(doc: InvoiceDocument, issuer: Issuer) -> bytes:
    """A one-table PDF with the same figures as the HTML."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(f"{TITLES.get(doc.doc_type, doc.doc_type)} {doc.label}")
    pdf.set_author(_latin1(issuer.name, "Partner"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(
        0, 10, f"{TITLES.get(doc.doc_type, doc.doc_type)} {doc.label}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font("Helvetica", "", 10)
    meta = [
        ("Status", doc.status.upper()),
        ("Issuer", _latin1(issuer.name, "(issuer name not Latin-1)")),
        ("Address", _latin1(issuer.address, "")),
        ("Tax ID", issuer.tax_id),
        ("Customer", f"{_latin1(doc.customer_name, doc.customer_id)} ({doc.customer_id})"),
        ("Billing month", doc.month),
        (
            "Issued (UTC)",
            doc.issued_at_utc.isoformat(sep=" ", timespec="seconds") if doc.issued_at_utc else "-",
        ),
        ("Terms", doc.price_rule),
    ]
    if doc.corrects_invoice_id:
        meta.append(("Corrects", doc.corrects_invoice_id))
    for label, value in meta:
        pdf.cell(40, 6, label)
        pdf.cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    totals = _totals(doc)
    with pdf.table(
        col_widths=(70, 30, 30, 30, 30, 30, 35),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=7,
    ) as grid:
        grid.row((*HEADERS[:-1], f"{HEADERS[-1]} ({doc.currency})"))
        for line in doc.lines:
            grid.row((_latin1(line.service_type_name, line.service_type_code), *_money_cells(line)))
        grid.row(("Total", *(money(totals[f]) for f in MONEY_FIELDS)))
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(
        0, 8, f"Amount due: {money(totals['amount_due'])} {doc.currency}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(
        0,
        4,
        "Pre-tax amounts. Each line is the exact sum of the month's consumption records rounded half-up "
        "to 0.01; the adjustment applies the terms to the exact net; totals are sums of the lines.",
    )
    return bytes(pdf.output())


def _money_cells(line: InvoiceLine) -> list[str]:
    return [money(getattr(line, f)) for f in MONEY_FIELDS]


def write_xlsx(doc: InvoiceDocument, issuer: Issuer, path: Path) -> Path:
    """Finance's workbook: a header block and one row per line, amounts as numbers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    try:
        sheet = book.add_worksheet("invoice")
        fmt = book.add_format({"num_format": "#,##0.00"})
        bold = book.add_format({"bold": True})
        meta = [
            ("document", TITLES.get(doc.doc_type, doc.doc_type)),
            ("number", doc.invoice_number),
            ("status", doc.status),
            ("issuer", issuer.name),
            ("customer_id", doc.customer_id),
            ("customer_name", doc.customer_name),
            ("month", doc.month),
            ("terms", doc.price_rule),
            ("currency", doc.currency),
            ("corrects_invoice_id", doc.corrects_invoice_id),
        ]
        for r, (label, value) in enumerate(meta):
            write_cell(sheet, r, 0, label)
            write_cell(sheet, r, 1, value)
        start = len(meta) + 1
        columns = ("service_type_code", "service_type_name", *MONEY_FIELDS)
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
    columns = ("service_type_code", "service_type_name", *MONEY_FIELDS)
    rows = ((*identity.values(), *(getattr(line, c) for c in columns)) for line in doc.lines)
    return write_csv(path, (*identity, *columns), rows)


def write_invoice_files(doc: InvoiceDocument, issuer: Issuer, out_dir: Path) -> dict[str, Path]:
    """All four files of one document, named by its number (or DRAFT-<id>)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / doc.label
    html_path = stem.with_suffix(".html")
    html_path.write_text(render_html(doc, issuer), encoding="utf-8")
    pdf_path = stem.with_suffix(".pdf")
    pdf_path.write_bytes(render_pdf(doc, issuer))
    return {
        "html": html_path,
        "pdf": pdf_path,
        "xlsx": write_xlsx(doc, issuer, stem.with_suffix(".xlsx")),
        "csv": write_invoice_csv(doc, stem.with_suffix(".csv")),
    }
