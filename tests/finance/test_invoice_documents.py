"""Invoice files read back: PDF text, HTML, XLSX via polars and CSV carry the warehouse totals, safely."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import polars as pl
import pypdf
import pytest
from recon_world import MONTH, build_world, open_warehouse

from finance.documents import write_invoice_files
from finance.invoicing.planning import InvoiceDocument
from finance.invoicing.store import generate_invoices
from finance.price_book import Issuer, PriceBook, PriceRule
from finance.safe_cells import money, neutralise

BOOK = PriceBook(
    Issuer("Example Partner", "EP-", address="1 Road"),
    PriceRule(Decimal(0)),
    {"C1": PriceRule(Decimal("-5"))},
    {"C1": "<script>alert(1)</script> & Co"},
)


Issued = tuple[dict[str, InvoiceDocument], Path, dict[str, Decimal]]


@pytest.fixture(scope="module")
def issued(
    tmp_path_factory: pytest.TempPathFactory,
) -> Issued:
    root = tmp_path_factory.mktemp("invoices")
    con = open_warehouse(root / "w.duckdb")
    world = build_world()
    world.load(con)
    docs = {d.customer_id: d for d in generate_invoices(con, MONTH, BOOK, issue=True).issued}
    warehouse_due = dict(
        con.execute(
            "SELECT customer_id, gross_amount FROM marts.invoices "
            "WHERE status = 'issued' ORDER BY customer_id"
        ).fetchall()
    )
    con.close()
    return docs, root / "out", warehouse_due


def pdf_text(path: Path) -> str:
    """The first page's text; pypdf reads fpdf2's embedded CID encoding CMap as one-byte codes (NULs)."""
    return pypdf.PdfReader(str(path)).pages[0].extract_text().replace("\x00", "")


def test_pdf_contains_the_key_totals(issued: Issued) -> None:
    docs, out, due = issued
    doc = docs["C1"]
    files = write_invoice_files(doc, BOOK, out, lang="en")
    text = pdf_text(files["pdf"])
    assert f"Total due: {money(due['C1'])} CNY" in text
    assert doc.invoice_number in text
    assert f"Total {money(doc.total('list_amount'))}" in text
    assert "Huawei Cloud prices less a 5% discount" in text
    assert "list terms" not in text


def test_html_has_totals_and_escapes_text(issued: Issued) -> None:
    docs, out, due = issued
    html = write_invoice_files(docs["C1"], BOOK, out)["html"].read_text(encoding="utf-8")
    assert f'<td class="num" id="amount-due">{money(due["C1"])}</td>' in html
    assert f'<td class="num" id="total-due">{money(due["C1"])} CNY</td>' in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "http" not in html.split("<style>")[0]


def test_xlsx_opens_with_polars_and_totals_equal_the_warehouse(issued: Issued) -> None:
    docs, out, due = issued
    for customer_id, doc in docs.items():
        path = write_invoice_files(doc, BOOK, out)["xlsx"]
        lines = pl.read_excel(path, sheet_name="invoice", read_options={"header_row": 15})
        total = sum(Decimal(str(v)) for v in lines["gross_amount"].to_list())
        assert total == due[customer_id]
        meta = pl.read_excel(path, sheet_name="invoice", has_header=False).to_dicts()
        names = {row["column_0"]: row["column_1"] for row in meta[:14]}
        assert names["number"] == doc.invoice_number


def test_csv_and_xlsx_neutralise_formulas_but_keep_numbers(issued: Issued) -> None:
    docs, out, _ = issued
    doc = docs["C2"]
    assert doc.customer_name.startswith("=")
    files = write_invoice_files(doc, BOOK, out)
    with files["csv"].open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["customer_name"] for r in rows} == {"'" + doc.customer_name}
    assert sum(Decimal(r["amount_due"]) for r in rows) == doc.amount_due
    meta = pl.read_excel(files["xlsx"], sheet_name="invoice", has_header=False).to_dicts()
    assert ("customer_name", "'" + doc.customer_name) in [(row["column_0"], row["column_1"]) for row in meta]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("=1+2", "'=1+2", id="equals"),
        pytest.param("+cmd", "'+cmd", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus-formula"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("-12.50", "-12.50", id="negative-number"),
        pytest.param("Acme", "Acme", id="plain"),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected
