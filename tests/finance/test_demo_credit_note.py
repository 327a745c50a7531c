"""The demo's credit note: a retroactive discount in its own price book, after the invoices were issued,
makes the next close issue a credit note for the difference (the invoice is never edited), real DuckDB."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from recon_world import MONTH, build_world, open_warehouse

from finance.documents_view import view_of
from finance.invoicing.store import generate_invoices, list_invoices
from finance.price_book import load_price_book
from pipelines.demo import EXAMPLE_PRICE_BOOK, discounted_price_book, largest_invoice


def test_a_retroactive_discount_yields_a_credit_note_for_the_largest_invoice(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = open_warehouse(path)
    build_world().load(con)
    example = load_price_book(EXAMPLE_PRICE_BOOK)
    invoices = {d.customer_id: d for d in generate_invoices(con, MONTH, example, issue=True).issued}
    con.close()
    customer_id, _ = largest_invoice(path, MONTH)
    assert customer_id == max(invoices, key=lambda c: (invoices[c].amount_due, c))

    book = load_price_book(discounted_price_book(EXAMPLE_PRICE_BOOK, customer_id, tmp_path / "book.toml"))
    assert book.lang_for(customer_id) == "zh"
    con = open_warehouse(path)
    (note,) = generate_invoices(con, MONTH, book, issue=True).issued
    docs = list_invoices(con, MONTH, customer_id)
    con.close()
    invoice = invoices[customer_id]
    assert (note.doc_type, note.corrects_invoice_id) == ("credit_note", invoice.invoice_id)
    assert note.invoice_number == "ECP-CN-000001"
    # 10% of each line's net, rounded per line, VAT on top: the invoice plus the note is the discounted month
    expected = sum(
        (-(line.net_amount * Decimal("0.1")).quantize(Decimal("0.01")) for line in invoice.lines), Decimal(0)
    )
    assert abs(note.total("amount_due") - expected) <= Decimal("0.01") * len(invoice.lines)
    assert note.total("amount_due") < 0
    assert [d.status for d in docs] == ["issued", "issued"]  # the invoice stays as issued
    credit = next(d for d in docs if d.doc_type == "credit_note")  # read back: the corrected invoice's number
    meta = dict(view_of(credit, book).meta())
    assert meta["更正"] == invoice.invoice_number
    # money goes back: a credit note names how it settles, never payment terms or a due date
    assert meta["结算方式"] == "冲抵下期发票，或应要求退款"
    assert "付款条件" not in meta
    assert "付款截止日（北京时间）" not in meta
    assert "付款条件" in dict(view_of(invoice, book).meta())  # the invoice keeps its terms
