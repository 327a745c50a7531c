"""The pure invoice planning core on plain values: no DuckDB, the decisions of one run."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from finance.invoicing.planning import (
    BasisRow,
    InvoiceDocument,
    customer_lines,
    invoice_numbers,
    plan_invoices,
)
from finance.price_book import Issuer, PriceBook, PriceRule

MONTH = "2026-03"
BOOK = PriceBook(Issuer("Partner Ltd", "P-"), customers={"C2": PriceRule(Decimal(-10))})
_ids = itertools.count(1)


def new_id(month: str, customer_id: str, doc_type: str) -> str:
    return f"{month}-{customer_id}-{doc_type}-{next(_ids)}"


def basis(customer_id: str, payment: str, coupons: str = "0") -> BasisRow:
    return BasisRow(
        customer_id=customer_id,
        customer_name=f"Name {customer_id}",
        service_type_code="hws.service.type.ec2",
        service_type_name="ECS",
        list_amount=Decimal(payment) * 2,
        discount_amount=Decimal(payment),
        coupon_amount=Decimal(coupons),
        payment_amount=Decimal(payment),
    )


def issued_invoice(customer_id: str, rows: list[BasisRow]) -> InvoiceDocument:
    lines = customer_lines(rows, BOOK)[customer_id]
    return InvoiceDocument(
        invoice_id=f"{MONTH}-{customer_id}-invoice-0",
        invoice_number="P-000001",
        issuer=BOOK.issuer.name,
        customer_id=customer_id,
        customer_name=lines.customer_name,
        month=MONTH,
        doc_type="invoice",
        status="issued",
        corrects_invoice_id=None,
        currency="CNY",
        price_rule=BOOK.rule_for(customer_id).label,
        lines=lines.lines,
        created_at_utc=dt.datetime(2026, 4, 6),
        issued_at_utc=dt.datetime(2026, 4, 6),
    )


def test_price_book_and_rounding_per_line() -> None:
    lines = customer_lines([basis("C2", "10.005", "0.001")], BOOK)["C2"].lines
    assert [(line.net_amount, line.adjustment_amount, line.amount_due) for line in lines] == [
        (Decimal("10.00"), Decimal("-1.00"), Decimal("9.00"))
    ]


def test_new_customers_get_one_draft_invoice_each_issued_in_customer_order() -> None:
    current = customer_lines([basis("C2", "5"), basis("C1", "7")], BOOK)
    plan = plan_invoices(MONTH, current, [], BOOK, issue=True, new_id=new_id)
    assert [(d.customer_id, d.doc_type, d.total("amount_due")) for d in plan.create] == [
        ("C1", "invoice", Decimal("7.00")),
        ("C2", "invoice", Decimal("4.50")),
    ]
    assert plan.issue == tuple(d.invoice_id for d in plan.create)
    assert plan.drop == plan.unchanged == ()


def test_a_change_after_issue_becomes_one_credit_note() -> None:
    invoice = issued_invoice("C1", [basis("C1", "7")])
    current = customer_lines([basis("C1", "6")], BOOK)
    plan = plan_invoices(MONTH, current, [invoice], BOOK, new_id=new_id)
    (note,) = plan.create
    assert (note.doc_type, note.corrects_invoice_id, note.total("amount_due")) == (
        "credit_note",
        invoice.invoice_id,
        Decimal("-1.00"),
    )
    assert plan.issue == ()


def test_no_change_after_issue_plans_nothing() -> None:
    rows = [basis("C1", "7")]
    plan = plan_invoices(MONTH, customer_lines(rows, BOOK), [issued_invoice("C1", rows)], BOOK, new_id=new_id)
    assert plan.create == plan.drop == plan.issue == plan.unchanged == ()


def test_invoice_numbers_are_the_end_of_the_reservation() -> None:
    assert invoice_numbers("P-", 12, 3) == ["P-000010", "P-000011", "P-000012"]
