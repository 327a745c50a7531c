"""Invoices with VAT read back: Chinese PDF text and embedded font, totals tied to the fee records to the
cent for tax-inclusive and -exclusive books, credit notes for negative months, attachment, fapiao export."""

from __future__ import annotations

import csv
import dataclasses
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pypdf
import pytest
from recon_world import MONTH, build_world, open_warehouse

from finance.documents import write_detail_xlsx, write_invoice_files
from finance.einvoice import write_einvoice_export
from finance.invoicing.store import generate_invoices, list_invoices, read_fee_records
from finance.price_book import CustomerDetails, Issuer, PriceBook, PriceRule, TaxPolicy

CENT = Decimal("0.01")
C1_NAME = "深圳云图科技有限公司"
ISSUER = "北京示例云伙伴有限公司"
EBS = "hws.service.type.ebs"


def book(inclusive: bool) -> PriceBook:
    return PriceBook(
        Issuer(ISSUER, "EP-", address="北京市海淀区1号", tax_id="91110000X", bank_account="6222 0000"),
        PriceRule(Decimal(0)),
        {"C1": PriceRule(Decimal("-7.5")), "C2": PriceRule(Decimal("3.333"))},
        tax=TaxPolicy(Decimal("0.06"), inclusive, {EBS: Decimal("0.13")}, "304", {EBS: "109"}),
        details={"C1": CustomerDetails(tax_id="91440300C1", lang="zh")},
    )


def q(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def expected_totals(records: list[dict[str, Any]], customer: str, percent: Decimal, inclusive: bool) -> tuple:
    """Independent recomputation of (net of tax, tax, gross) from the fee records, per mode and service."""
    by_line: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for r in records:
        if r["customer_id"] == customer and r["association_type"] == "2":
            by_line[(r["charging_mode"], r["service_type_code"])] += r["payment_amount"] - r["coupon_amount"]
    net = tax = gross = Decimal(0)
    for (_, code), exact in by_line.items():
        price = q(exact) + q(exact * percent / 100)
        rate = Decimal("0.13") if code == EBS else Decimal("0.06")
        line_tax = q(price * rate / (1 + rate)) if inclusive else q(price * rate)
        net += price - line_tax if inclusive else price
        tax += line_tax
        gross += price if inclusive else price + line_tax
    return net, tax, gross


def warehouse(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, list[dict[str, Any]]]:
    con = open_warehouse(tmp_path / "w.duckdb")
    world = build_world()
    world.load(con)
    con.execute("UPDATE billing.customers SET customer = ? WHERE customer_id = 'C1'", [C1_NAME])
    # C1's EBS both on demand and yearly/monthly: two lines, each rounded on its own
    records = world.tables["billing.consumption_records"]
    for r in records:
        if r["customer_id"] == "C1" and r["service_type_code"] == EBS and r["bill_date"].day % 2:
            r["charging_mode"] = 1
            con.execute("UPDATE billing.consumption_records SET charging_mode = 1 WHERE id = ?", [r["id"]])
    return con, records


@pytest.mark.parametrize("inclusive", [False, True], ids=["tax-exclusive", "tax-inclusive"])
def test_totals_tie_to_the_fee_records_to_the_cent(tmp_path: Path, inclusive: bool) -> None:
    con, records = warehouse(tmp_path)
    docs = generate_invoices(con, MONTH, book(inclusive), issue=True).issued
    assert {d.customer_id for d in docs} == {"C1", "C2"}
    stored = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT customer_id, net_of_tax_amount, tax_amount, gross_amount FROM marts.invoices"
        ).fetchall()
    }
    for doc in docs:
        percent = Decimal("-7.5") if doc.customer_id == "C1" else Decimal("3.333")
        want = expected_totals(records, doc.customer_id, percent, inclusive)
        got = (doc.total("net_of_tax_amount"), doc.total("tax_amount"), doc.total("gross_amount"))
        assert got == want
        assert tuple(stored[doc.customer_id]) == want
        assert doc.prices_include_tax is inclusive
        assert doc.due_date is not None
        assert doc.payment_terms_days == 30
    con.close()


def pdf_text(path: Path) -> str:
    """The first page's text; pypdf reads fpdf2's embedded CID encoding CMap as one-byte codes (NULs)."""
    return pypdf.PdfReader(str(path)).pages[0].extract_text().replace("\x00", "")


def test_pdf_prints_chinese_names_tax_and_totals_in_an_embedded_cjk_font(tmp_path: Path) -> None:
    con, _ = warehouse(tmp_path)
    the_book = book(False)
    doc = next(d for d in generate_invoices(con, MONTH, the_book, issue=True).issued if d.customer_id == "C1")
    con.close()
    pdf = write_invoice_files(doc, the_book, tmp_path / "out")["pdf"]
    text = pdf_text(pdf)
    assert C1_NAME in text
    assert ISSUER in text
    assert f"税额: {doc.total('tax_amount'):,.2f}" in text
    assert f"不含税金额: {doc.total('net_of_tax_amount'):,.2f}" in text
    assert f"应付总额: {doc.amount_due:,.2f} CNY" in text
    assert "草稿" not in text  # issued: no DRAFT mark
    fonts = pypdf.PdfReader(str(pdf)).pages[0]["/Resources"]["/Font"]
    (font,) = [f.get_object() for f in fonts.values()]
    assert str(font["/BaseFont"]).split("+")[1] == "NotoSansSC"
    assert len(str(font["/BaseFont"]).split("+")[0]) == 7  # "/ABCDEF": a subset tag
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    assert "/FontFile3" in descriptor
    assert pdf.stat().st_size < 200_000  # a subset, not the 8 MB font


def test_a_draft_carries_the_draft_mark(tmp_path: Path) -> None:
    con, _ = warehouse(tmp_path)
    the_book = book(False)
    doc = generate_invoices(con, MONTH, the_book, customer_id="C2").created[0]
    con.close()
    text = pdf_text(write_invoice_files(doc, the_book, tmp_path / "out", lang="en")["pdf"])
    assert "DRAFT" in text
    assert "Total due" in text
    assert "税额" not in text


def test_a_negative_month_is_a_credit_note_in_its_own_series(tmp_path: Path) -> None:
    con, _ = warehouse(tmp_path)
    con.execute(
        "UPDATE billing.consumption_records SET payment_amount = -payment_amount - 1, coupon_amount = 0 "
        "WHERE customer_id = 'C1'"
    )
    the_book = book(False)
    issued = generate_invoices(con, MONTH, the_book, issue=True).issued
    by_customer = {d.customer_id: d for d in issued}
    note = by_customer["C1"]
    assert (note.doc_type, note.invoice_number, note.corrects_invoice_id) == (
        "credit_note",
        "EP-CN-000001",
        None,
    )
    assert note.amount_due < 0
    assert by_customer["C2"].invoice_number == "EP-000001"
    assert generate_invoices(con, MONTH, the_book, issue=True).created == ()
    text = pdf_text(write_invoice_files(note, the_book, tmp_path / "out")["pdf"])
    assert "贷项通知单" in text
    assert f"退还总额: {note.amount_due:,.2f} CNY" in text
    con.close()


def test_attachment_and_fapiao_export_tie_to_the_documents(tmp_path: Path) -> None:
    con, _ = warehouse(tmp_path)
    the_book = dataclasses.replace(book(True), customer_names={"C2": "贝塔智能"})
    generate_invoices(con, MONTH, the_book, issue=True)
    docs = list_invoices(con, MONTH)
    doc = next(d for d in docs if d.customer_id == "C1")
    path = write_detail_xlsx(doc, read_fee_records(con, MONTH, "C1"), tmp_path / "detail.xlsx")
    con.close()
    by_line = pl.read_excel(path, sheet_name="by_line")
    nets = {
        (mode, code): q(Decimal(str(v)))
        for mode, code, v in by_line.select("charging_mode", "service_type_code", "net_amount").iter_rows()
    }
    assert nets == {line.key: line.net_amount for line in doc.lines}
    assert (1, EBS) in nets
    assert (3, EBS) in nets
    records = pl.read_excel(path, sheet_name="records")
    assert records.height == int(by_line["records"].sum())
    assert {"region_name", "resource_id", "resource_name", "service_type_name"} <= set(records.columns)

    export = write_einvoice_export(docs, the_book, tmp_path / "einvoice.csv")
    with export.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(len(d.lines) for d in docs)
    for d in docs:
        mine = [r for r in rows if r["document_number"] == d.invoice_number]
        assert sum(Decimal(r["amount_incl_tax"]) for r in mine) == d.amount_due
        assert sum(Decimal(r["tax_amount"]) for r in mine) == d.total("tax_amount")
    assert {(r["service_type_code"] == EBS, r["tax_classification_code"], r["tax_rate"]) for r in rows} == {
        (True, "109", "0.13"),
        (False, "304", "0.06"),
    }
    assert {r["buyer_name"] for r in rows} == {C1_NAME, "贝塔智能"}
    assert {r["buyer_tax_id"] for r in rows if r["customer_id"] == "C1"} == {"91440300C1"}
    assert {(r["service_type_code"], r["charging_mode"]) for r in rows if r["customer_id"] == "C1"} >= {
        (EBS, "1"),
        (EBS, "3"),
    }
