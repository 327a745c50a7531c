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


def _row_line(row: dict[str, object]) -> InvoiceLine:
    return InvoiceLine(
        str(row["service_type_code"]),
        str(row["service_type_name"] or ""),
        *(quantize(Decimal(str(row[f]))) for f in MONEY_FIELDS),
    )


def _documents(con: duckdb.DuckDBPyConnection, month: str, customer_id: str | None) -> list[InvoiceDocument]:
    rel = con.execute(sql("marts/select_invoices"), {"month": month, "customer_id": customer_id})
    columns = [d[0] for d in rel.description]
    docs = []
    for values in rel.fetchall():
        row = dict(zip(columns, values, strict=True))
        line_rel = con.execute(sql("marts/select_invoice_lines"), {"invoice_id": row["invoice_id"]})
        line_cols = [d[0] for d in line_rel.description]
        lines = tuple(_row_line(dict(zip(line_cols, v, strict=True))) for v in line_rel.fetchall())
        docs.append(
            InvoiceDocument(
                invoice_id=row["invoice_id"],
                invoice_number=row["invoice_number"],
                issuer=row["issuer"],
                customer_id=row["customer_id"],
                customer_name=row["customer_name"] or row["customer_id"],
                month=row["month"],
                doc_type=row["doc_type"],
                status=row["status"],
                corrects_invoice_id=row["corrects_invoice_id"],
                currency=row["currency"],
                price_rule=row["price_rule"],
                lines=lines,
                created_at_utc=row["created_at_utc"],
                issued_at_utc=row["issued_at_utc"],
            )
        )
    return docs


def list_invoices(
    con: duckdb.DuckDBPyConnection, month: str, customer_id: str | None = None
) -> list[InvoiceDocument]:
    """Every document of a month (optionally one customer's), oldest first per customer."""
    return _documents(con, month, customer_id)


def _invoiced_so_far(
    con: duckdb.DuckDBPyConnection, customer_id: str, month: str, issuer: str
) -> dict[str, InvoiceLine]:
    rel = con.execute(
        sql("marts/select_issued_invoice_lines"),
        {"customer_id": customer_id, "month": month, "issuer": issuer},
    )
    cols = [d[0] for d in rel.description]
    lines = (_row_line(dict(zip(cols, v, strict=True))) for v in rel.fetchall())
    return {line.service_type_code: line for line in lines}


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


def _insert_document(
    con: duckdb.DuckDBPyConnection,
    *,
    price_book: PriceBook,
    customer_id: str,
    customer_name: str,
    month: str,
    doc_type: str,
    corrects: str | None,
    lines: tuple[InvoiceLine, ...],
    content_hash: str,
) -> str:
    invoice_id = f"{month}-{customer_id}-{doc_type}-{uuid.uuid4().hex[:10]}"
    totals = {f: str(sum((getattr(line, f) for line in lines), Decimal(0))) for f in DOC_TOTAL_FIELDS}
    con.execute(
        sql("marts/insert_invoice"),
        {
            "invoice_id": invoice_id,
            "issuer": price_book.issuer.name,
            "customer_id": customer_id,
            "customer_name": customer_name,
            "month": month,
            "doc_type": doc_type,
            "corrects_invoice_id": corrects,
            "currency": price_book.issuer.currency,
            "price_rule": price_book.rule_for(customer_id).label,
            "content_hash": content_hash,
            "created_at_utc": _now(),
            **totals,
        },
    )
    rows = pa.table(
        {
            "invoice_id": pa.array([invoice_id] * len(lines), pa.string()),
            "line_no": pa.array(range(1, len(lines) + 1), pa.int32()),
            "service_type_code": pa.array([line.service_type_code for line in lines], pa.string()),
            "service_type_name": pa.array([line.service_type_name for line in lines], pa.string()),
            **{f: pa.array([getattr(line, f) for line in lines], _MONEY) for f in MONEY_FIELDS},
        }
    )
    con.register("invoice_line_rows", rows)
    con.execute(sql("marts/insert_invoice_lines"))
    con.unregister("invoice_line_rows")
    return invoice_id


def _issue(con: duckdb.DuckDBPyConnection, invoice_id: str, price_book: PriceBook) -> None:
    row = con.execute(
        sql("marts/next_invoice_number"),
        {"issuer": price_book.issuer.name, "prefix": price_book.issuer.prefix},
    ).fetchone()
    assert row is not None
    number = f"{row[0]}{int(row[1]):06d}"
    con.execute(
        sql("marts/issue_invoice"), {"invoice_id": invoice_id, "invoice_number": number, "now_utc": _now()}
    )


def _drop_draft(con: duckdb.DuckDBPyConnection, invoice_id: str) -> None:
    con.execute(sql("marts/delete_draft_invoice_lines"), {"invoice_id": invoice_id})
    con.execute(sql("marts/delete_draft_invoice"), {"invoice_id": invoice_id})


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
    `issue=True` numbers and freezes the drafts this produced.
    """
    dt.date.fromisoformat(f"{month}-01")
    created: list[str] = []
    to_issue: list[str] = []
    unchanged: list[str] = []
    con.execute("BEGIN TRANSACTION")
    try:
        now_lines = current_lines(con, month, price_book, customer_id, association_type)
        docs = [d for d in _documents(con, month, customer_id) if d.issuer == price_book.issuer.name]
        customers = sorted(now_lines.keys() | {d.customer_id for d in docs if d.status == "issued"})
        for cid in customers:
            name, lines = now_lines.get(cid, ("", ()))
            mine = [d for d in docs if d.customer_id == cid]
            name = name or next((d.customer_name for d in mine), cid)
            invoice = next((d for d in mine if d.doc_type == "invoice" and d.status == "issued"), None)
            if invoice is None:
                doc_type, corrects, doc_lines = "invoice", None, lines
                drafts = [d for d in mine if d.status == "draft" and d.doc_type == "invoice"]
            else:
                doc_lines = _difference(lines, _invoiced_so_far(con, cid, month, price_book.issuer.name))
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
            for draft in drafts:
                if draft is not keep:
                    _drop_draft(con, draft.invoice_id)
            if not doc_lines:
                continue
            if keep is not None:
                unchanged.append(keep.invoice_id)
                target = keep.invoice_id
            else:
                target = _insert_document(
                    con,
                    price_book=price_book,
                    customer_id=cid,
                    customer_name=name,
                    month=month,
                    doc_type=doc_type,
                    corrects=corrects,
                    lines=doc_lines,
                    content_hash=digest,
                )
                created.append(target)
            if issue:
                _issue(con, target, price_book)
                to_issue.append(target)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    by_id = {d.invoice_id: d for d in _documents(con, month, customer_id)}
    return InvoiceRun(
        created=tuple(by_id[i] for i in created),
        issued=tuple(by_id[i] for i in to_issue),
        unchanged=tuple(by_id[i] for i in unchanged if i not in to_issue),
    )


def void_invoice(con: duckdb.DuckDBPyConnection, invoice_id: str) -> None:
    """Void a document; it keeps its number, and the next run invoices the customer afresh."""
    con.execute(sql("marts/void_invoice"), {"invoice_id": invoice_id, "now_utc": _now()})
