"""Invoice amounts a customer would see change if one line of the invoicing code changed: half-up rounding
at x.xx5 (also negative), the price-book adjustment from the exact net, the discount and coupon columns, and
a credit note for a service that vanished after issue. Real invoice generation on a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
from recon_world import MONTH, World, open_warehouse

from finance.invoicing.store import generate_invoices, list_invoices
from finance.price_book import Issuer, PriceBook, PriceRule

LIST_TERMS = PriceBook(Issuer("Example Partner", "EP-"))
EC2, EBS, OBS = "hws.service.type.ec2", "hws.service.type.ebs", "hws.service.type.obs"


def fee(
    w: World,
    n: int,
    customer_id: str,
    code: str,
    payment: str,
    coupon: str = "0",
    discount: str = "0",
    flexi: str = "0",
    card: str = "0",
) -> None:
    """One resale fee record with the given exact amounts (list price = payment + discount)."""
    trade = dt.datetime(2026, 3, 10, 2, 0) + dt.timedelta(minutes=n)
    w.add(
        "billing.consumption_records",
        id=f"F{n:04d}",
        bill_date=dt.date(2026, 3, 10),
        bill_cycle=MONTH,
        customer_id=customer_id,
        association_type="2",
        service_type_code=code,
        service_type_name=code.rsplit(".", 1)[-1].upper(),
        charging_mode=3,
        bill_detail_type=5,
        trade_id=f"T{n}",
        trade_time_utc=trade,
        official_amount=Decimal(payment) + Decimal(discount),
        official_discount_amount=Decimal(discount),
        payment_amount=Decimal(payment),
        coupon_amount=Decimal(coupon),
        flexipurchase_coupon_amount=Decimal(flexi),
        stored_value_card_amount=Decimal(card),
        currency="CNY",
    )


def warehouse(tmp_path: Path, w: World) -> duckdb.DuckDBPyConnection:
    con = open_warehouse(tmp_path / "w.duckdb")
    w.load(con)
    return con


def lines_of(con: duckdb.DuckDBPyConnection, customer_id: str) -> dict[str, tuple[Decimal, ...]]:
    """service -> (list, discount, coupon, net, adjustment, due) of the customer's one invoice."""
    (doc,) = list_invoices(con, MONTH, customer_id)
    return {
        line.service_type_code: (
            line.list_amount,
            line.discount_amount,
            line.coupon_amount,
            line.net_amount,
            line.adjustment_amount,
            line.amount_due,
        )
        for line in doc.lines
    }


def test_line_amounts_round_half_up_at_the_half_cent_also_when_negative(tmp_path: Path) -> None:
    # Half-up and half-even differ exactly when the digit before the 5 is even: 10.125, -3.245, 0.005.
    w = World()
    fee(w, 1, "H1", EC2, "10.125")
    fee(w, 2, "H1", EBS, "-3.245")
    fee(w, 3, "H1", OBS, "0.005", discount="20.24")
    con = warehouse(tmp_path, w)
    run = generate_invoices(con, MONTH, LIST_TERMS)
    lines = lines_of(con, "H1")
    assert lines[EC2][3] == Decimal("10.13")
    assert lines[EBS][3] == Decimal("-3.25")
    assert lines[OBS][3] == Decimal("0.01")
    assert lines[OBS][0] == Decimal("20.25")  # list price 20.245 rounds up too
    (doc,) = run.created
    assert doc.amount_due == Decimal("6.89")  # 10.13 - 3.25 + 0.01; half-even would bill 6.88
    stored = con.execute("SELECT amount_due FROM marts.invoices WHERE customer_id = 'H1'").fetchall()
    assert stored == [(Decimal("6.89"),)]


def test_price_book_adjustment_is_taken_from_the_exact_net_not_the_rounded_one(tmp_path: Path) -> None:
    # M1, markup 50 %: net 5.006 -> 5.01, adjustment 2.503 -> 2.50 (from the rounded net: 2.505 -> 2.51);
    # a refund of -2.006 -> -2.01, adjustment -1.003 -> -1.00 (from the rounded net: -1.005 -> -1.01).
    # D1, discount 7.5 %: net 6.656 - 0.060 coupons = 6.596 -> 6.60, adjustment -0.4947 -> -0.49
    # (from the rounded net: -0.495 -> -0.50).
    w = World()
    fee(w, 1, "M1", EC2, "5.006")
    fee(w, 2, "M1", EBS, "-2.006")
    fee(w, 3, "D1", EC2, "6.656", coupon="0.060")
    con = warehouse(tmp_path, w)
    book = PriceBook(
        LIST_TERMS.issuer, customers={"M1": PriceRule(Decimal(50)), "D1": PriceRule(Decimal("-7.5"))}
    )
    generate_invoices(con, MONTH, book, issue=True)
    m1 = lines_of(con, "M1")
    assert m1[EC2][3:] == (Decimal("5.01"), Decimal("2.50"), Decimal("7.51"))
    assert m1[EBS][3:] == (Decimal("-2.01"), Decimal("-1.00"), Decimal("-3.01"))
    assert lines_of(con, "D1")[EC2][3:] == (Decimal("6.60"), Decimal("-0.49"), Decimal("6.11"))
    totals = dict(con.execute("SELECT customer_id, amount_due FROM marts.invoices").fetchall())
    assert totals == {"M1": Decimal("4.50"), "D1": Decimal("6.11")}


def test_discount_and_every_kind_of_coupon_show_on_the_line(tmp_path: Path) -> None:
    w = World()
    fee(w, 1, "K1", EC2, "100.00", coupon="10.00", discount="25.00", flexi="5.00", card="2.50")
    fee(w, 2, "K1", EC2, "50.00", coupon="0", discount="5.00", card="1.25")
    con = warehouse(tmp_path, w)
    generate_invoices(con, MONTH, LIST_TERMS)
    list_amount, discount, coupons, net, adjustment, due = lines_of(con, "K1")[EC2]
    assert list_amount == Decimal("180.00")
    assert discount == Decimal("30.00")
    assert coupons == Decimal("18.75")  # 10 + 5 + 2.50 + 1.25: vouchers, cash coupons, stored-value cards
    assert (net, adjustment, due) == (Decimal("131.25"), Decimal("0.00"), Decimal("131.25"))


def test_a_service_gone_after_issue_is_credited_in_full_in_the_credit_note_series(tmp_path: Path) -> None:
    w = World()
    fee(w, 1, "G1", EC2, "40.00")
    fee(w, 2, "G1", OBS, "12.345")
    fee(w, 3, "G2", EC2, "7.00")
    con = warehouse(tmp_path, w)
    first = generate_invoices(con, MONTH, LIST_TERMS, issue=True)
    assert sorted((d.customer_id, d.invoice_number, d.amount_due) for d in first.issued) == [
        ("G1", "EP-000001", Decimal("52.35")),
        ("G2", "EP-000002", Decimal("7.00")),
    ]
    con.execute("DELETE FROM billing.consumption_records WHERE service_type_code = ?", [OBS])
    second = generate_invoices(con, MONTH, LIST_TERMS, issue=True)
    (note,) = second.issued
    # credit notes have their own number series (a negative document is never an invoice number)
    assert (note.customer_id, note.doc_type, note.invoice_number) == ("G1", "credit_note", "EP-CN-000001")
    assert [(line.service_type_code, line.amount_due) for line in note.lines] == [(OBS, Decimal("-12.35"))]
    owed = con.execute(
        "SELECT sum(amount_due) FROM marts.invoices WHERE customer_id = 'G1' AND status = 'issued'"
    ).fetchall()
    assert owed == [(Decimal("40.00"),)]
