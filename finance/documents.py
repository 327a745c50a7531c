"""Invoice files: HTML and PDF for the customer, XLSX and CSV for finance, a detail attachment per document.

The PDF embeds Noto Sans SC (SIL OFL 1.1, shipped by the `pylopdf-fonts-zh-cn` package, so no system fonts)
as a subset: Chinese customer, issuer and service names print as names, ids beside them for matching.
Labels are Chinese, English or both, per customer (`finance.labels`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

import polars as pl
import pylopdf_fonts_zh_cn
import xlsxwriter
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from finance.invoicing.planning import MONEY_FIELDS, InvoiceDocument, InvoiceLine
from finance.labels import label
from finance.price_book import CustomerDetails, Issuer, PriceBook
from finance.safe_cells import esc, money, write_cell, write_csv

FONT = "NotoSansSC"
HEADINGS = FontFace(emphasis="", fill_color=(235, 235, 235))  # one regular CJK face: no bold headings
LINE_FIELDS = (
    "list_amount",
    "discount_amount",
    "coupon_amount",
    "amount_due",
    "net_of_tax_amount",
    "tax_amount",
    "gross_amount",
)


@cache
def font_path() -> Path:
    """The CJK font file the project's own dependency installs."""
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise FileNotFoundError(f"{path}: CJK font missing; reinstall with `make .venv/.installed`")
    return path


@dataclass(frozen=True)
class DocumentView:
    """What one document shows besides its lines: the parties and the label language."""

    doc: InvoiceDocument
    issuer: Issuer
    customer: CustomerDetails
    lang: str

    def t(self, key: str, **values: object) -> str:
        """A label in this document's language."""
        return label(key, self.lang, **values)

    @property
    def title(self) -> str:
        """E.g. "发票 Invoice ECP-INV-000001"."""
        return f"{self.t(self.doc.doc_type)} {self.doc.label}"

    def terms(self) -> str:
        """Payment terms in words: net days and, once issued, the due date."""
        days = self.doc.payment_terms_days
        return self.t("terms_days", days=days)

    def due(self) -> str:
        """The due date (Beijing) once issued, else when it will fall."""
        if self.doc.due_date is not None:
            return self.doc.due_date.isoformat()
        return self.t("due_on_issue", days=self.doc.payment_terms_days)

    def parties(self) -> list[tuple[str, str, str]]:
        """(label, issuer value, customer value) rows of the header block."""
        c = self.customer
        return [
            (
                self.t("issuer") + " / " + self.t("customer"),
                self.issuer.name,
                f"{self.doc.customer_name} ({self.doc.customer_id})",
            ),
            (self.t("address"), self.issuer.address, c.address),
            (self.t("tax_id"), self.issuer.tax_id, c.tax_id),
            (
                self.t("bank"),
                " ".join(filter(None, (self.issuer.bank_name, self.issuer.bank_account))),
                " ".join(filter(None, (c.bank_name, c.bank_account))),
            ),
        ]

    def meta(self) -> list[tuple[str, str]]:
        """(label, value) rows: number, month, dates, terms."""
        doc = self.doc
        rows = [
            (self.t("number"), doc.invoice_number or self.t("draft")),
            (self.t("status"), self.t("draft") if doc.status == "draft" else self.t("issued_status")),
            (self.t("billing_month"), doc.month),
            (
                self.t("issued"),
                doc.issued_at_utc.isoformat(sep=" ", timespec="seconds") if doc.issued_at_utc else "-",
            ),
            (self.t("payment_terms"), self.terms()),
            (self.t("due_date"), self.due()),
            (self.t("price_rule"), doc.price_rule),
        ]
        if doc.corrects_invoice_id:
            rows.append((self.t("corrects"), doc.corrects_invoice_id))
        return rows

    def tax_note(self) -> str:
        """Whether prices include VAT, and how amounts are rounded."""
        which = "prices_incl" if self.doc.prices_include_tax else "prices_excl"
        return f"{self.t(which)} {self.t('rounding')}"


def view_of(doc: InvoiceDocument, book: PriceBook, lang: str | None = None) -> DocumentView:
    """The document with its parties from the price book; `lang` overrides the customer's language."""
    return DocumentView(
        doc, book.issuer, book.details_for(doc.customer_id), lang or book.lang_for(doc.customer_id)
    )


def _rate(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _line_cells(line: InvoiceLine) -> list[str]:
    cells = [money(getattr(line, f)) for f in LINE_FIELDS]
    cells.insert(4, _rate(line.tax_rate))
    return cells


def _rates(doc: InvoiceDocument) -> str:
    return ", ".join(sorted({_rate(line.tax_rate) for line in doc.lines}))


def _template(name: str) -> string.Template:
    return string.Template(resources.files("finance").joinpath("templates", name).read_text(encoding="utf-8"))


def _headers(v: DocumentView) -> list[str]:
    heads = [v.t(f) for f in LINE_FIELDS]
    heads.insert(4, v.t("tax_rate"))
    return [v.t("service"), *heads]


def render_html(v: DocumentView) -> str:
    """A self-contained HTML document; every value escaped."""
    doc = v.doc
    rows = "\n".join(
        f"<tr><td>{esc(line.service_type_name)} <small>{esc(line.service_type_code)}</small></td>"
        + "".join(f'<td class="num">{esc(c)}</td>' for c in _line_cells(line))
        + "</tr>"
        for line in doc.lines
    )
    totals = [money(doc.total(f)) for f in LINE_FIELDS]
    totals.insert(4, _rates(doc))
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
        f'<tr><th>{esc(v.t(f))}</th><td class="num">{esc(money(doc.total(f)))}</td></tr>'
        for f in ("cash_amount", "credit_amount", "coupon_amount")
    )
    return _template("invoice.html").substitute(
        lang="zh" if v.lang != "en" else "en",
        title=esc(v.title),
        heading=esc(v.title),
        watermark=f'<div class="watermark">{esc(v.t("draft"))}</div>' if doc.status == "draft" else "",
        parties=parties,
        meta=meta,
        headers="".join(f'<th class="{"num" if i else ""}">{esc(h)}</th>' for i, h in enumerate(_headers(v))),
        rows=rows,
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


def _watermark(pdf: FPDF, text: str) -> None:
    """A large light diagonal mark across the page (drafts)."""
    pdf.set_font(FONT, size=90)
    pdf.set_text_color(225, 225, 225)
    with pdf.rotation(25, x=pdf.w / 2, y=pdf.h / 2):
        pdf.text(pdf.w / 2 - pdf.get_string_width(text) / 2, pdf.h / 2 + 15, text)
    pdf.set_text_color(0, 0, 0)


def render_pdf(v: DocumentView) -> bytes:
    """A landscape A4 with the same figures as the HTML, in the embedded CJK font."""
    doc = v.doc
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font(FONT, fname=str(font_path()))
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
    with pdf.table(
        col_widths=(61, *([27] * 8)),
        text_align=("LEFT", *(["RIGHT"] * 8)),
        line_height=5,
        headings_style=HEADINGS,
    ) as grid:
        grid.row(_headers(v))
        for line in doc.lines:
            grid.row((f"{line.service_type_name} {line.service_type_code}", *_line_cells(line)))
        totals = [money(doc.total(f)) for f in LINE_FIELDS]
        totals.insert(4, _rates(doc))
        grid.row((v.t("total"), *totals))
    pdf.ln(3)
    pdf.set_font(FONT, size=9)
    funding = "  ".join(
        f"{v.t(f)} {money(doc.total(f))}" for f in ("cash_amount", "credit_amount", "coupon_amount")
    )
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


def write_xlsx(v: DocumentView, path: Path) -> Path:
    """Finance's workbook: a header block and one row per line, amounts as numbers."""
    doc = v.doc
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
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
            ("terms", doc.price_rule),
            ("currency", doc.currency),
            ("corrects_invoice_id", doc.corrects_invoice_id),
            ("prices_include_tax", "yes" if doc.prices_include_tax else "no"),
            ("due_date", doc.due_date),
        ]
        for r, (name, value) in enumerate(meta):
            write_cell(sheet, r, 0, name)
            write_cell(sheet, r, 1, value)
        start = len(meta) + 1
        columns = ("service_type_code", "service_type_name", "tax_rate", *MONEY_FIELDS)
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
    columns = ("service_type_code", "service_type_name", "tax_rate", *MONEY_FIELDS)
    rows = ((*identity.values(), *(getattr(line, c) for c in columns)) for line in doc.lines)
    return write_csv(path, (*identity, *columns), rows)


def write_detail_xlsx(doc: InvoiceDocument, records: pl.DataFrame, path: Path) -> Path:
    """The attachment: every fee record behind the document, subtotals per service and per charge mode.

    The customer matches it against its own resources; the per-service sheet ties to the invoice's lines
    before the price book (net = payment - coupons, summed exactly, then rounded).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    amounts = [c for c in records.columns if c.endswith("_amount")]
    sheets = {
        "records": records,
        "by_service": records.group_by("service_type_code", "service_type_name")
        .agg(pl.len().alias("records"), *(pl.col(c).sum() for c in amounts))
        .sort("service_type_code"),
        "by_charge_mode": records.group_by("charging_mode")
        .agg(pl.len().alias("records"), *(pl.col(c).sum() for c in amounts))
        .sort("charging_mode"),
    }
    book = xlsxwriter.Workbook(str(path))
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
