"""Invoices from the synthetic warehouse month: totals to the cent, frozen issue, one note per restatement."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from recon_world import MONTH, build_world, open_warehouse

from finance.invoicing.store import generate_invoices, list_invoices, void_invoice
from finance.price_book import Issuer, PriceBook, PriceRule, load_price_book
from finance.toml_config import ConfigError

BOOK = PriceBook(
    Issuer("Example Partner", "EP-"),
    PriceRule(Decimal(0)),
    {"C1": PriceRule(Decimal("-7.5")), "C2": PriceRule(Decimal("3.333"))},
)


Warehouse = tuple[duckdb.DuckDBPyConnection, list[dict[str, Any]]]


def expected_due(world_records: list[dict[str, Any]], customer_id: str, percent: Decimal) -> Decimal:
    """Independent recomputation: per service net = payment - coupons; adjustment from the exact net."""
    by_service: dict[str, Decimal] = defaultdict(Decimal)
    for r in world_records:
        if r["customer_id"] == customer_id and r["association_type"] == "2":
            by_service[r["service_type_code"]] += r["payment_amount"] - r["coupon_amount"]
    cent = Decimal("0.01")
    return sum(
        (
            net.quantize(cent, ROUND_HALF_UP) + (net * percent / 100).quantize(cent, ROUND_HALF_UP)
            for net in by_service.values()
        ),
        Decimal(0),
    )


def snapshot(con: duckdb.DuckDBPyConnection) -> tuple[list[Any], list[Any], list[Any]]:
    return (
        con.execute("SELECT * FROM marts.invoices ORDER BY invoice_id").fetchall(),
        con.execute("SELECT * FROM marts.invoice_lines ORDER BY invoice_id, line_no").fetchall(),
        con.execute("SELECT * FROM marts.invoice_numbers ORDER BY issuer").fetchall(),
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    con = open_warehouse(tmp_path / "w.duckdb")
    world = build_world()
    world.load(con)
    return con, world.tables["billing.consumption_records"]


def test_invoice_totals_equal_warehouse_after_price_book(warehouse: Warehouse) -> None:
    con, records = warehouse
    run = generate_invoices(con, MONTH, BOOK)
    assert {d.customer_id for d in run.created} == {"C1", "C2"}, "resale customers only"
    for doc in run.created:
        assert doc.status == "draft"
        assert doc.invoice_number is None
        percent = BOOK.rule_for(doc.customer_id).percent
        assert doc.amount_due == expected_due(records, doc.customer_id, percent)
        stored = con.execute(
            "SELECT amount_due, list_amount FROM marts.invoices WHERE invoice_id = ?", [doc.invoice_id]
        ).fetchall()[0]
        assert stored[0] == doc.amount_due
        list_total = sum(
            (r["official_amount"] for r in records if r["customer_id"] == doc.customer_id), Decimal(0)
        )
        assert stored[1] == list_total.quantize(Decimal("0.01"))
    assert next(d for d in run.created if d.customer_id == "C1").price_rule == "discount 7.5%"


def test_issue_numbers_sequentially_and_regeneration_changes_nothing(warehouse: Warehouse) -> None:
    con, _ = warehouse
    run = generate_invoices(con, MONTH, BOOK, issue=True)
    assert sorted(d.invoice_number for d in run.issued) == ["EP-000001", "EP-000002"]
    before = snapshot(con)
    again = generate_invoices(con, MONTH, BOOK, issue=True)
    assert again.created == ()
    assert again.issued == ()
    assert snapshot(con) == before


def test_drafts_are_kept_when_unchanged_and_replaced_when_data_changes(warehouse: Warehouse) -> None:
    con, _ = warehouse
    first = generate_invoices(con, MONTH, BOOK, customer_id="C1")
    second = generate_invoices(con, MONTH, BOOK, customer_id="C1")
    assert second.created == ()
    assert [d.invoice_id for d in second.unchanged] == [first.created[0].invoice_id]
    con.execute(
        "UPDATE billing.consumption_records SET payment_amount = payment_amount + 1 WHERE id = 'R00001'"
    )
    third = generate_invoices(con, MONTH, BOOK, customer_id="C1")
    docs = list_invoices(con, MONTH, "C1")
    assert [d.invoice_id for d in docs] == [third.created[0].invoice_id]
    assert third.created[0].amount_due - first.created[0].amount_due == Decimal("0.93")  # 1.00 less 7.5 %


def test_restatement_after_issue_gives_exactly_one_note(warehouse: Warehouse) -> None:
    con, records = warehouse
    generate_invoices(con, MONTH, BOOK, issue=True)
    refund = next(
        r for r in records if r["customer_id"] == "C2" and r["service_type_code"] == "hws.service.type.ebs"
    )
    con.execute(
        "UPDATE billing.consumption_records "
        "SET payment_amount = payment_amount - 40, cash_amount = cash_amount - 40 WHERE id = ?",
        [refund["id"]],
    )
    run = generate_invoices(con, MONTH, BOOK, issue=True)
    assert len(run.created) == 1
    note = run.created[0]
    assert (note.customer_id, note.doc_type, note.status) == ("C2", "credit_note", "issued")
    assert note.invoice_number == "EP-CN-000001"  # credit notes run their own series
    assert [line.service_type_code for line in note.lines] == ["hws.service.type.ebs"]
    invoice = next(d for d in list_invoices(con, MONTH, "C2") if d.doc_type == "invoice")
    assert note.corrects_invoice_id == invoice.invoice_id
    assert invoice.status == "issued"
    # Invoice + note = what the warehouse says now, to the cent.
    assert invoice.amount_due + note.amount_due == expected_due(
        [
            r | ({"payment_amount": r["payment_amount"] - 40} if r["id"] == refund["id"] else {})
            for r in records
        ],
        "C2",
        Decimal("3.333"),
    )
    before = snapshot(con)
    assert generate_invoices(con, MONTH, BOOK, issue=True).created == ()
    assert snapshot(con) == before


def test_void_then_regenerate_issues_a_fresh_invoice(warehouse: Warehouse) -> None:
    con, _ = warehouse
    run = generate_invoices(con, MONTH, BOOK, customer_id="C1", issue=True)
    void_invoice(con, run.issued[0].invoice_number)
    fresh = generate_invoices(con, MONTH, BOOK, customer_id="C1", issue=True)
    assert fresh.issued[0].invoice_number == "EP-000002"
    assert fresh.issued[0].amount_due == run.issued[0].amount_due
    statuses = sorted((d.invoice_number, d.status) for d in list_invoices(con, MONTH, "C1"))
    assert statuses == [("EP-000001", "void"), ("EP-000002", "issued")]


def test_example_price_book_loads() -> None:
    book = load_price_book(Path(__file__).resolve().parents[2] / "config" / "price_book.example.toml")
    assert book.issuer.prefix == "ECP-INV-"
    assert book.rule_for("2f9c1e7a0c0b4d7e9f3a5b6c7d8e9f00").percent == Decimal(-5)
    assert book.rule_for("0a1b2c3d4e5f60718293a4b5c6d7e8f9").label == "markup 3.5%"
    assert book.rule_for("someone-else").percent == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '[issuer]\nname = "X"\n', r"issuer \(line 1\): missing key 'prefix'", id="missing-prefix"
        ),
        pytest.param(
            '[issuer]\nname = "X"\nprefix = "P"\n\n[customers."c1"]\ndiscount_percent = "150"\n',
            r"customers\.c1\.discount_percent \(line 6\): must be between 0 and 100",
            id="discount-over-100",
        ),
        pytest.param(
            '[issuer]\nname = "X"\nprefix = "P"\n[customers.c1]\n'
            'discount_percent = "1"\nmarkup_percent = "2"\n',
            r"customers\.c1\.markup_percent \(line 6\): set either",
            id="both-rules",
        ),
        pytest.param(
            '[issuer]\nname = "X"\nprefix = "P"\n[default]\ndiscount_pct = "1"\n',
            r"default\.discount_pct \(line 5\): unknown key",
            id="typo",
        ),
        pytest.param('[issuer\nname = "X"\n', r"not valid TOML.*line 1", id="syntax"),
        pytest.param(
            '[issuer]\nname = "X"\nprefix = "P"\n[tax]\nvat_rate = "6"\n',
            r"tax\.vat_rate \(line 5\): a VAT rate is a fraction like \"0\.06\"",
            id="vat-as-percent",
        ),
        pytest.param(
            '[issuer]\nname = "X"\nprefix = "P"\n[tax]\nprices = "gross"\n',
            r"tax\.prices \(line 5\): must be \"tax_exclusive\" or \"tax_inclusive\"",
            id="prices-mode",
        ),
        pytest.param(
            '[issuer]\nname = "X"\nprefix = "P"\npayment_terms_days = "30"\n',
            r"issuer\.payment_terms_days \(line 4\): must be a whole number of days",
            id="terms-as-text",
        ),
        pytest.param(
            '[issuer]\nname = "X"\nprefix = "P"\n[customers.c1]\nlang = "fr"\n',
            r"customers\.c1\.lang \(line 5\): must be one of zh, en, both",
            id="lang",
        ),
    ],
)
def test_price_book_errors_name_the_key_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "book.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_price_book(path)
