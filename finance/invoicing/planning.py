"""Customer invoices per month from the warehouse: draft -> issued (frozen) -> void, corrections as notes.

An issued invoice is never edited. When the warehouse changes after issue (a restatement, a late refund),
the next run issues one credit or debit note for the difference between what the data says now and what
the customer was already invoiced. Rounding: each line amount is the exact warehouse sum rounded half-up to
0.01 (the price-book adjustment from the exact net); document totals are sums of rounded lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.price_book import PriceBook, PriceRule
from warehouse.sqlfiles import sql

CENT = Decimal("0.01")
MONEY_FIELDS: tuple[str, ...] = (
    "list_amount",
    "discount_amount",
    "coupon_amount",
    "net_amount",
    "adjustment_amount",
    "amount_due",
)
DOC_TOTAL_FIELDS: tuple[str, ...] = (
    "list_amount",
    "discount_amount",
    "coupon_amount",
    "adjustment_amount",
    "amount_due",
)
_MONEY = pa.decimal128(38, 10)


def quantize(amount: Decimal) -> Decimal:
    """The invoice rounding rule: half-up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class InvoiceLine:
    """One service on an invoice; every amount already rounded to the cent."""

    service_type_code: str
    service_type_name: str
    list_amount: Decimal
    discount_amount: Decimal
    coupon_amount: Decimal
    net_amount: Decimal
    adjustment_amount: Decimal
    amount_due: Decimal

    def minus(self, other: InvoiceLine | None) -> InvoiceLine:
        """This line less what was already invoiced for the same service."""
        if other is None:
            return self
        amounts = {f: getattr(self, f) - getattr(other, f) for f in MONEY_FIELDS}
        return InvoiceLine(
            self.service_type_code, self.service_type_name or other.service_type_name, **amounts
        )

    @property
    def is_zero(self) -> bool:
        """No amount at all: a service with nothing to correct."""
        return all(getattr(self, f) == 0 for f in MONEY_FIELDS)


def price_line(
    code: str,
    name: str,
    list_amount: Decimal,
    discount: Decimal,
    coupons: Decimal,
    payment: Decimal,
    rule: PriceRule,
) -> InvoiceLine:
    """A line from exact warehouse sums: net = payment - coupons, then the price rule, then rounding."""
    net_exact = payment - coupons
    net = quantize(net_exact)
    adjustment = quantize(rule.adjustment(net_exact))
    return InvoiceLine(
        code,
        name,
        quantize(list_amount),
        quantize(discount),
        quantize(coupons),
        net,
        adjustment,
        net + adjustment,
    )


@dataclass(frozen=True)
class InvoiceDocument:
    """A row of marts.invoices with its lines."""

    invoice_id: str
    invoice_number: str | None
    issuer: str
    customer_id: str
    customer_name: str
    month: str
    doc_type: str
    status: str
    corrects_invoice_id: str | None
    currency: str
    price_rule: str
    lines: tuple[InvoiceLine, ...]
    created_at_utc: dt.datetime
    issued_at_utc: dt.datetime | None

    def total(self, field: str) -> Decimal:
        """Sum of a rounded line amount: the document total is by construction the sum of its lines."""
        return sum((getattr(line, field) for line in self.lines), Decimal(0))

    @property
    def amount_due(self) -> Decimal:
        """What the customer owes on this document (negative on a credit note)."""
        return self.total("amount_due")

    @property
    def label(self) -> str:
        """The number once issued, else a draft label."""
        return self.invoice_number or f"DRAFT-{self.invoice_id}"


@dataclass(frozen=True)
class InvoiceRun:
    """What one generate_invoices call did."""

    created: tuple[InvoiceDocument, ...]
    issued: tuple[InvoiceDocument, ...]
    unchanged: tuple[InvoiceDocument, ...]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _content_hash(doc_type: str, price_rule: str, customer_name: str, lines: Iterable[InvoiceLine]) -> str:
    payload = {
        "doc_type": doc_type,
        "price_rule": price_rule,
        "customer_name": customer_name,
        "lines": [
            [line.service_type_code, line.service_type_name, *(str(getattr(line, f)) for f in MONEY_FIELDS)]
            for line in lines
        ],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def current_lines(
    con: duckdb.DuckDBPyConnection,
    month: str,
    price_book: PriceBook,
    customer_id: str | None = None,
    association_type: str = "2",
) -> dict[str, tuple[str, tuple[InvoiceLine, ...]]]:
    """customer_id -> (customer name, lines by service) as the warehouse says now."""
    rows = con.execute(
        sql("marts/select_invoice_basis"),
        {"month": month, "association_type": association_type, "customer_id": customer_id},
    ).fetchall()
    out: dict[str, tuple[str, list[InvoiceLine]]] = {}
    for cid, cname, code, sname, list_amount, discount, coupons, payment in rows:
        rule = price_book.rule_for(cid)
        name = price_book.customer_names.get(cid) or cname or cid
        line = price_line(code or "", sname or code or "", list_amount, discount, coupons, payment, rule)
        out.setdefault(cid, (name, []))[1].append(line)
    return {cid: (name, tuple(lines)) for cid, (name, lines) in out.items()}


_HEAD_COLUMNS = 13  # select_invoice_documents: the document's columns, then line_no, code, name, amounts


def _documents(con: duckdb.DuckDBPyConnection, month: str, customer_id: str | None) -> list[InvoiceDocument]:
    """Every document of the month with its lines, in one query (documents in order, lines by line_no)."""
    rows = con.execute(
        sql("marts/select_invoice_documents"), {"month": month, "customer_id": customer_id}
    ).fetchall()
    heads: dict[str, tuple[Any, ...]] = {}
    lines: dict[str, list[InvoiceLine]] = {}
    for row in rows:
        invoice_id = row[0]
        if invoice_id not in heads:
            heads[invoice_id] = row[:_HEAD_COLUMNS]
            lines[invoice_id] = []
        line_no, code, name, *amounts = row[_HEAD_COLUMNS:]
        if line_no is not None:
            lines[invoice_id].append(InvoiceLine(code, name or "", *(quantize(a) for a in amounts)))
    # Head columns are InvoiceDocument's fields in order; the lines go between price_rule and the times.
    return [
        InvoiceDocument(*head[:4], head[4] or head[3], *head[5:11], tuple(lines[invoice_id]), *head[11:])
        for invoice_id, head in heads.items()
    ]


def list_invoices(
    con: duckdb.DuckDBPyConnection, month: str, customer_id: str | None = None
) -> list[InvoiceDocument]:
    """Every document of a month (optionally one customer's), oldest first per customer."""
    return _documents(con, month, customer_id)


def _invoiced_so_far(issued: Iterable[InvoiceDocument]) -> dict[str, InvoiceLine]:
    """What a customer was invoiced so far: the lines of its issued documents summed per service."""
    names: dict[str, list[str]] = {}
    sums: dict[str, list[Decimal]] = {}
    for doc in issued:
        for line in doc.lines:
            code = line.service_type_code
            names.setdefault(code, []).append(line.service_type_name)
            acc = sums.setdefault(code, [Decimal(0)] * len(MONEY_FIELDS))
            for i, f in enumerate(MONEY_FIELDS):
                acc[i] += getattr(line, f)
    return {code: InvoiceLine(code, max(names[code]), *sums[code]) for code in sorted(sums)}


def _difference(
    current: tuple[InvoiceLine, ...], invoiced: dict[str, InvoiceLine]
) -> tuple[InvoiceLine, ...]:
    """Per service: now minus already invoiced, services that vanished included; zero lines dropped."""
    now = {line.service_type_code: line for line in current}
    out = []
    for code in sorted(now.keys() | invoiced.keys()):
        if code in now:
            delta = now[code].minus(invoiced.get(code))
        else:
            old = invoiced[code]
            zero = InvoiceLine(code, old.service_type_name, *(Decimal(0) for _ in MONEY_FIELDS))
            delta = zero.minus(old)
        if not delta.is_zero:
            out.append(delta)
    return tuple(out)


@dataclass(frozen=True)
class _NewDocument:
    """A draft this run inserts."""

    invoice_id: str
    customer_id: str
    customer_name: str
    doc_type: str
    corrects: str | None
    lines: tuple[InvoiceLine, ...]
    content_hash: str


def _insert_documents(
    con: duckdb.DuckDBPyConnection, docs: list[_NewDocument], month: str, price_book: PriceBook
) -> None:
    """All new drafts and their lines in two statements, from Arrow tables."""
    if not docs:
        return
    now = _now()
    n = len(docs)
    totals = {
        f: pa.array([sum((getattr(line, f) for line in d.lines), Decimal(0)) for d in docs], _MONEY)
        for f in DOC_TOTAL_FIELDS
    }
    invoice_rows = pa.table(
        {
            "invoice_id": pa.array([d.invoice_id for d in docs], pa.string()),
            "issuer": pa.array([price_book.issuer.name] * n, pa.string()),
            "customer_id": pa.array([d.customer_id for d in docs], pa.string()),
            "customer_name": pa.array([d.customer_name for d in docs], pa.string()),
            "month": pa.array([month] * n, pa.string()),
            "doc_type": pa.array([d.doc_type for d in docs], pa.string()),
            "corrects_invoice_id": pa.array([d.corrects for d in docs], pa.string()),
            "currency": pa.array([price_book.issuer.currency] * n, pa.string()),
            "price_rule": pa.array([price_book.rule_for(d.customer_id).label for d in docs], pa.string()),
            **totals,
            "content_hash": pa.array([d.content_hash for d in docs], pa.string()),
            "created_at_utc": pa.array([now] * n, pa.timestamp("us")),
        }
    )
    line_rows = pa.table(
        {
            "invoice_id": pa.array([d.invoice_id for d in docs for _ in d.lines], pa.string()),
            "line_no": pa.array([no for d in docs for no in range(1, len(d.lines) + 1)], pa.int32()),
            "service_type_code": pa.array(
                [line.service_type_code for d in docs for line in d.lines], pa.string()
            ),
            "service_type_name": pa.array(
                [line.service_type_name for d in docs for line in d.lines], pa.string()
            ),
            **{
                f: pa.array([getattr(line, f) for d in docs for line in d.lines], _MONEY)
                for f in MONEY_FIELDS
            },
        }
    )
    con.register("invoice_rows", invoice_rows)
    con.register("invoice_line_rows", line_rows)
    try:
        con.execute(sql("marts/insert_invoices"))
        con.execute(sql("marts/insert_invoice_lines"))
    finally:
        con.unregister("invoice_rows")
        con.unregister("invoice_line_rows")


def _issue(con: duckdb.DuckDBPyConnection, invoice_ids: list[str], price_book: PriceBook) -> None:
    """Number the drafts in the given order from the issuer's gapless sequence and freeze them."""
    if not invoice_ids:
        return
    row = con.execute(
        sql("marts/reserve_invoice_numbers"),
        {"issuer": price_book.issuer.name, "prefix": price_book.issuer.prefix, "count": len(invoice_ids)},
    ).fetchone()
    assert row is not None
    prefix, last = str(row[0]), int(row[1])
    first = last - len(invoice_ids) + 1
    rows = pa.table(
        {
            "invoice_id": pa.array(invoice_ids, pa.string()),
            "invoice_number": pa.array(
                [f"{prefix}{first + i:06d}" for i in range(len(invoice_ids))], pa.string()
            ),
        }
    )
    con.register("invoice_issue_rows", rows)
    try:
        con.execute(sql("marts/issue_invoices"), {"now_utc": _now()})
    finally:
        con.unregister("invoice_issue_rows")


def _drop_drafts(con: duckdb.DuckDBPyConnection, invoice_ids: list[str]) -> None:
    if not invoice_ids:
        return
    con.execute(sql("marts/delete_draft_invoice_lines"), {"invoice_ids": invoice_ids})
    con.execute(sql("marts/delete_draft_invoices"), {"invoice_ids": invoice_ids})


def generate_invoices(
    con: duckdb.DuckDBPyConnection,
    month: str,
    price_book: PriceBook,
    customer_id: str | None = None,
    issue: bool = False,
    association_type: str = "2",
) -> InvoiceRun:
    """Bring the month's documents in line with the warehouse, in one transaction.

    Without an issued invoice a customer gets (or keeps, when unchanged) one draft invoice. With one, the
    difference to everything issued becomes one draft credit/debit note; no difference, no document.
    `issue=True` numbers and freezes the drafts this produced. Set-based: one read of the basis, one of the
    documents, then a few statements for every customer at once (the per-customer decisions are in Python).
    """
    dt.date.fromisoformat(f"{month}-01")
    issuer = price_book.issuer.name
    created: list[_NewDocument] = []
    to_issue: list[str] = []
    unchanged: list[str] = []
    dropped: list[str] = []
    con.execute("BEGIN TRANSACTION")
    try:
        now_lines = current_lines(con, month, price_book, customer_id, association_type)
        by_customer: dict[str, list[InvoiceDocument]] = {}
        for doc in _documents(con, month, customer_id):
            if doc.issuer == issuer:
                by_customer.setdefault(doc.customer_id, []).append(doc)
        issued_customers = {cid for cid, ds in by_customer.items() if any(d.status == "issued" for d in ds)}
        for cid in sorted(now_lines.keys() | issued_customers):
            name, lines = now_lines.get(cid, ("", ()))
            mine = by_customer.get(cid, [])
            name = name or next((d.customer_name for d in mine), cid)
            invoice = next((d for d in mine if d.doc_type == "invoice" and d.status == "issued"), None)
            if invoice is None:
                doc_type, corrects, doc_lines = "invoice", None, lines
                drafts = [d for d in mine if d.status == "draft" and d.doc_type == "invoice"]
            else:
                doc_lines = _difference(lines, _invoiced_so_far(d for d in mine if d.status == "issued"))
                total = sum((line.amount_due for line in doc_lines), Decimal(0))
                doc_type = "credit_note" if total < 0 else "debit_note"
                corrects = invoice.invoice_id
                drafts = [d for d in mine if d.status == "draft" and d.doc_type != "invoice"]
            digest = _content_hash(doc_type, price_book.rule_for(cid).label, name, doc_lines)
            keep = next(
                (
                    d
                    for d in drafts
                    if _content_hash(d.doc_type, d.price_rule, d.customer_name, d.lines) == digest
                ),
                None,
            )
            dropped.extend(d.invoice_id for d in drafts if d is not keep)
            if not doc_lines:
                continue
            if keep is not None:
                unchanged.append(keep.invoice_id)
                target = keep.invoice_id
            else:
                target = f"{month}-{cid}-{doc_type}-{uuid.uuid4().hex[:10]}"
                created.append(_NewDocument(target, cid, name, doc_type, corrects, doc_lines, digest))
            if issue:
                to_issue.append(target)
        _drop_drafts(con, dropped)
        _insert_documents(con, created, month, price_book)
        _issue(con, to_issue, price_book)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    by_id = {d.invoice_id: d for d in _documents(con, month, customer_id)}
    issued_ids = set(to_issue)
    return InvoiceRun(
        created=tuple(by_id[d.invoice_id] for d in created),
        issued=tuple(by_id[i] for i in to_issue),
        unchanged=tuple(by_id[i] for i in unchanged if i not in issued_ids),
    )


def void_invoice(con: duckdb.DuckDBPyConnection, invoice_id: str) -> None:
    """Void a document; it keeps its number, and the next run invoices the customer afresh."""
    con.execute(sql("marts/void_invoice"), {"invoice_id": invoice_id, "now_utc": _now()})
