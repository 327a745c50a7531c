"""Invoice lines per charging mode with subtotals on the PDF and HTML, the cash / credit / coupon split, dates
from the run's clock (same document, same bytes), and documents issued before lines had a mode."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zipfile
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pypdf
from recon_world import MONTH, build_world, open_warehouse

from finance.documents import write_invoice_files
from finance.documents_pdf import _parsed_font
from finance.documents_view import view_of
from finance.invoicing.planning import (
    MONEY_FIELDS,
    InvoiceDocument,
    customer_lines,
    difference,
    invoiced_so_far,
)
from finance.invoicing.store import generate_invoices, read_basis
from finance.price_book import CustomerDetails, Issuer, PriceBook, PriceRule, TaxPolicy

CENT = Decimal("0.01")
EC2 = "hws.service.type.ec2"
NAME = "深圳云图科技有限公司"
BOOK = PriceBook(
    Issuer("北京示例云伙伴有限公司", "EP-"),
    PriceRule(Decimal(0)),
    {"C1": PriceRule(Decimal("-2.5"))},
    tax=TaxPolicy(Decimal("0.06")),
    details={"C1": CustomerDetails(lang="zh")},
)
CLOCK = dt.datetime(2026, 4, 6, 4, 0)  # 12:00 in Beijing on 2026-04-06


def q(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def pdf_text(path: Path) -> str:
    return pypdf.PdfReader(str(path)).pages[0].extract_text().replace("\x00", "")


def split_world(tmp_path: Path) -> tuple[object, list[dict]]:
    """C1's EC2 in two charging modes (odd days yearly/monthly) and one record without a mode."""
    con = open_warehouse(tmp_path / "w.duckdb")
    world = build_world()
    world.load(con)
    con.execute("UPDATE billing.customers SET customer = ? WHERE customer_id = 'C1'", [NAME])
    con.execute(
        "UPDATE billing.consumption_records SET charging_mode = 1 "
        "WHERE customer_id = 'C1' AND service_type_code = ? AND day(bill_date) % 2 = 1",
        [EC2],
    )
    con.execute(
        "UPDATE billing.consumption_records SET charging_mode = NULL WHERE id = "
        "(SELECT min(id) FROM billing.consumption_records WHERE customer_id = 'C1' "
        "AND service_type_code = 'hws.service.type.ebs')"
    )
    records = con.execute(
        "SELECT charging_mode, service_type_code, payment_amount, coupon_amount, cash_amount, credit_amount "
        "FROM billing.consumption_records WHERE customer_id = 'C1' AND association_type = '2'"
    ).fetchall()
    return con, records


def test_lines_per_charge_mode_subtotals_and_funding_tie_to_the_records(tmp_path: Path) -> None:
    con, records = split_world(tmp_path)
    issued = generate_invoices(con, MONTH, BOOK, issue=True, now_utc=CLOCK).issued
    doc = next(d for d in issued if d.customer_id == "C1")
    con.close()
    exact: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for mode, code, payment, coupons, _, _ in records:
        exact[(0 if mode is None else mode, code)] += payment - coupons
    assert {(line.charging_mode, line.service_type_code): line.net_amount for line in doc.lines} == {
        k: q(v) for k, v in exact.items()
    }
    assert [line.charging_mode for line in doc.lines] == sorted(line.charging_mode or 0 for line in doc.lines)
    assert {(1, EC2), (3, EC2), (0, "hws.service.type.ebs")} <= {line.key for line in doc.lines}

    files = write_invoice_files(doc, BOOK, tmp_path / "out")
    groups = {g.mode: g for g in view_of(doc, BOOK).groups()}
    assert set(groups) == {0, 1, 3}
    text = pdf_text(files["pdf"])
    html = files["html"].read_text(encoding="utf-8")
    for mode, title in ((1, "包年/包月"), (3, "按需"), (0, "其他")):
        due = sum((line.gross_amount for line in groups[mode].lines), Decimal(0))
        assert re.search(rf"小计: {re.escape(title)}.*{due:,.2f}", text), title
        subtotal_row = re.search(rf'<tr class="subtotal"><td>小计: {re.escape(title)}</td>(.*?)</tr>', html)
        assert subtotal_row is not None
        assert subtotal_row.group(1).endswith(f'<td class="num">{due:,.2f}</td>')
    assert sum(sum(line.gross_amount for line in g.lines) for g in groups.values()) == doc.amount_due
    cash = q(sum((r[4] for r in records), Decimal(0)))
    credit = q(sum((r[5] for r in records), Decimal(0)))
    assert abs(doc.total("cash_amount") - cash) <= 3 * CENT  # the sum of lines rounded one by one
    assert f"现金 {doc.total('cash_amount'):,.2f}" in text
    assert f"信用额度 {doc.total('credit_amount'):,.2f}" in text
    assert f"代金券 {doc.total('coupon_amount'):,.2f}" in text
    assert abs(doc.total("credit_amount") - credit) <= 3 * CENT
    assert "华为云价格基础上优惠2.5%" in text
    assert "list terms" not in text


def test_dates_come_from_the_clock_and_a_rerender_is_the_same_bytes(tmp_path: Path) -> None:
    con, _ = split_world(tmp_path)
    docs = generate_invoices(con, MONTH, BOOK, issue=True, now_utc=CLOCK).issued
    con.close()
    doc = next(d for d in docs if d.customer_id == "C1")
    assert doc.issued_at_utc == CLOCK
    assert doc.due_date == dt.date(2026, 5, 6)  # 2026-04-06 (Beijing) + 30 days
    first = write_invoice_files(doc, BOOK, tmp_path / "a")
    second = write_invoice_files(doc, BOOK, tmp_path / "b")
    for kind in ("pdf", "html", "csv", "xlsx"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind
    with zipfile.ZipFile(first["xlsx"]) as book:
        assert "2026-04-06T04:00:00Z" in book.read("docProps/core.xml").decode()  # the issue time, no clock
    assert _parsed_font.cache_info().misses <= 1  # the CJK font's metrics parsed once per process
    text = pdf_text(first["pdf"])
    assert "开具日期（北京时间）2026-04-06" in text.replace(" ", "")
    assert "付款截止日（北京时间）2026-05-06" in text.replace(" ", "")
    assert "2026-04-06 04:00" not in text  # no UTC clock time on the customer's page


def _issued(lines: tuple, number: str) -> InvoiceDocument:
    return InvoiceDocument(
        f"{MONTH}-C1-invoice-0", number, BOOK.issuer.name, "C1", NAME, MONTH, "invoice", "issued", None,
        "CNY", "discount 2.5%", lines, CLOCK, CLOCK,
    )  # fmt: skip


def test_documents_issued_before_lines_had_a_mode_are_compared_per_service(tmp_path: Path) -> None:
    con, _ = split_world(tmp_path)
    now = customer_lines(read_basis(con, MONTH, "C1"), BOOK)["C1"].lines
    con.close()
    per_service: dict[str, list] = defaultdict(list)
    for line in now:
        per_service[line.service_type_code].append(line)
    legacy = tuple(
        dataclasses.replace(
            lines[0],
            charging_mode=None,
            **{f: sum((getattr(x, f) for x in lines), Decimal(0)) for f in MONEY_FIELDS},
        )
        for lines in per_service.values()
    )
    assert len(legacy) < len(now)
    assert difference(now, invoiced_so_far([_issued(legacy, "EP-000001")])) == ()
    # with modes on both sides, a line that moved between modes is corrected per mode
    moved = difference(now, invoiced_so_far([_issued(now[1:], "EP-000001")]))
    assert [line.key for line in moved] == [now[0].key]
