"""The invoices' store: reads the basis and the documents from DuckDB, writes what the plan decided.

`generate_invoices` is the one entry that changes documents: in one transaction it reads the month's basis
and documents (one snapshot), asks `planning.plan_invoices` what to do, and only then writes: drop replaced
drafts, insert new drafts and their lines from Arrow tables, number and freeze the ones to issue.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from finance.invoicing.planning import (
    DOC_TOTAL_FIELDS,
    MONEY_FIELDS,
    BasisRow,
    CustomerLines,
    InvoiceDocument,
    InvoiceLine,
    InvoicePlan,
    customer_lines,
    invoice_numbers,
    plan_invoices,
    quantize,
)
from finance.price_book import PriceBook
from warehouse.connection import registered, transaction
from warehouse.sqlfiles import sql

_BASIS_FIELDS = tuple(f.name for f in dataclasses.fields(BasisRow))


@dataclass(frozen=True)
class InvoiceRun:
    """What one generate_invoices call did."""

    created: tuple[InvoiceDocument, ...]
    issued: tuple[InvoiceDocument, ...]
    unchanged: tuple[InvoiceDocument, ...]


def _now() -> dt.datetime:
    """The wall clock, for callers that pass no clock (the CLI and the assets pass PBW_TODAY's)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of one finance statement, each keyed by its column names."""
    cursor = con.execute(sql(name, package="finance"), params)
    columns = [d[0] for d in cursor.description or ()]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def read_basis(
    con: duckdb.DuckDBPyConnection, month: str, customer_id: str | None = None, association_type: str = "2"
) -> list[BasisRow]:
    """The month's exact sums per (customer, service), every customer in one read."""
    rows = _rows(
        con,
        "select_invoice_basis",
        {"month": month, "association_type": association_type, "customer_id": customer_id},
    )
    return [BasisRow(**{f: row[f] for f in _BASIS_FIELDS}) for row in rows]


def current_lines(
    con: duckdb.DuckDBPyConnection,
    month: str,
    price_book: PriceBook,
    customer_id: str | None = None,
    association_type: str = "2",
) -> dict[str, CustomerLines]:
    """customer_id -> name and lines by service as the warehouse says now."""
    return customer_lines(read_basis(con, month, customer_id, association_type), price_book)


def list_invoices(
    con: duckdb.DuckDBPyConnection, month: str, customer_id: str | None = None
) -> list[InvoiceDocument]:
    """Every document of a month (optionally one customer's) with its lines, oldest first per customer.

    One query: documents in order, lines by line_no (a document without lines has one row of NULL lines).
    """
    heads: dict[str, dict[str, Any]] = {}
    lines: dict[str, list[InvoiceLine]] = {}
    for row in _rows(con, "select_invoice_documents", {"month": month, "customer_id": customer_id}):
        invoice_id = row["invoice_id"]
        if invoice_id not in heads:
            heads[invoice_id] = row
            lines[invoice_id] = []
        if row["line_no"] is not None:
            lines[invoice_id].append(
                InvoiceLine(
                    service_type_code=row["service_type_code"],
                    service_type_name=row["service_type_name"] or "",
                    **{f: quantize(row[f]) for f in MONEY_FIELDS},
                    tax_rate=row["tax_rate"].normalize(),
                    charging_mode=row["charging_mode"],
                )
            )
    return [
        InvoiceDocument(
            invoice_id=invoice_id,
            invoice_number=head["invoice_number"],
            issuer=head["issuer"],
            customer_id=head["customer_id"],
            customer_name=head["customer_name"] or head["customer_id"],
            month=head["month"],
            doc_type=head["doc_type"],
            status=head["status"],
            corrects_invoice_id=head["corrects_invoice_id"],
            currency=head["currency"],
            price_rule=head["price_rule"],
            lines=tuple(lines[invoice_id]),
            created_at_utc=head["created_at_utc"],
            issued_at_utc=head["issued_at_utc"],
            prices_include_tax=bool(head["prices_include_tax"]),
            payment_terms_days=int(head["payment_terms_days"]),
            due_date=head["due_date"],
            corrects_invoice_number=head["corrects_invoice_number"],
        )
        for invoice_id, head in heads.items()
    ]


def _drop_drafts(con: duckdb.DuckDBPyConnection, invoice_ids: tuple[str, ...]) -> None:
    if not invoice_ids:
        return
    con.execute(sql("delete_draft_invoice_lines", package="finance"), {"invoice_ids": list(invoice_ids)})
    con.execute(sql("delete_draft_invoices", package="finance"), {"invoice_ids": list(invoice_ids)})


def _insert_documents(con: duckdb.DuckDBPyConnection, plan: InvoicePlan, now: dt.datetime) -> None:
    """All new drafts and their lines in two statements, from Arrow tables."""
    import pyarrow as pa  # loads with invoicing, never in a daily run

    docs = plan.create
    if not docs:
        return
    n = len(docs)
    invoice_rows = pa.table(
        {
            "invoice_id": pa.array([d.invoice_id for d in docs], pa.string()),
            "issuer": pa.array([plan.issuer.name] * n, pa.string()),
            "customer_id": pa.array([d.customer_id for d in docs], pa.string()),
            "customer_name": pa.array([d.customer_name for d in docs], pa.string()),
            "month": pa.array([plan.month] * n, pa.string()),
            "doc_type": pa.array([d.doc_type for d in docs], pa.string()),
            "corrects_invoice_id": pa.array([d.corrects_invoice_id for d in docs], pa.string()),
            "currency": pa.array([plan.issuer.currency] * n, pa.string()),
            "price_rule": pa.array([d.price_rule for d in docs], pa.string()),
            **{f: pa.array([d.total(f) for d in docs], pa.decimal128(38, 10)) for f in DOC_TOTAL_FIELDS},
            "content_hash": pa.array([d.content_hash for d in docs], pa.string()),
            "prices_include_tax": pa.array([plan.prices_include_tax] * n, pa.bool_()),
            "payment_terms_days": pa.array([plan.issuer.payment_terms_days] * n, pa.int32()),
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
                f: pa.array([getattr(line, f) for d in docs for line in d.lines], pa.decimal128(38, 10))
                for f in MONEY_FIELDS
            },
            "tax_rate": pa.array([line.tax_rate for d in docs for line in d.lines], pa.decimal128(9, 6)),
            "charging_mode": pa.array([line.charging_mode for d in docs for line in d.lines], pa.int32()),
        }
    )
    with registered(con, "invoice_rows", invoice_rows), registered(con, "invoice_line_rows", line_rows):
        con.execute(sql("insert_invoices", package="finance"))
        con.execute(sql("insert_invoice_lines", package="finance"))


def _reserve(con: duckdb.DuckDBPyConnection, series: str, prefix: str, count: int) -> list[str]:
    """The next `count` numbers of one gapless series (invoices and credit notes each have their own)."""
    row = con.execute(
        sql("reserve_invoice_numbers", package="finance"),
        {"issuer": series, "prefix": prefix, "count": count},
    ).fetchone()
    assert row is not None
    return invoice_numbers(str(row[0]), int(row[1]), count)


def _issue(con: duckdb.DuckDBPyConnection, plan: InvoicePlan, now: dt.datetime) -> None:
    """Take the next numbers of the issuer's series and freeze the plan's documents under them."""
    import pyarrow as pa  # loads with invoicing, never in a daily run

    if not plan.issue:
        return
    credit = [i for i in plan.issue if plan.series(i) == "credit_note"]
    others = [i for i in plan.issue if plan.series(i) != "credit_note"]
    ids: list[str] = []
    numbers: list[str] = []
    if others:
        ids += others
        numbers += _reserve(con, plan.issuer.name, plan.issuer.prefix, len(others))
    if credit:
        ids += credit
        numbers += _reserve(con, f"{plan.issuer.name} (credit notes)", plan.issuer.credit_prefix, len(credit))
    rows = pa.table(
        {
            "invoice_id": pa.array(ids, pa.string()),
            "invoice_number": pa.array(numbers, pa.string()),
        }
    )
    with registered(con, "invoice_issue_rows", rows):
        con.execute(sql("issue_invoices", package="finance"), {"now_utc": now})


def generate_invoices(
    con: duckdb.DuckDBPyConnection,
    month: str,
    price_book: PriceBook,
    customer_id: str | None = None,
    issue: bool = False,
    association_type: str = "2",
    now_utc: dt.datetime | None = None,
) -> InvoiceRun:
    """Bring the month's documents in line with the warehouse, in one transaction (see plan_invoices).

    Set-based: one read of the basis, one of the documents, the plan in Python, then a few statements for
    every customer at once. `issue=True` numbers and freezes the drafts this produced. `now_utc` (naive UTC)
    stamps creation and issue, and so the issue and due dates: pass the run's clock to make them repeatable.
    """
    now = now_utc or _now()
    dt.date.fromisoformat(f"{month}-01")
    with transaction(con):
        current = current_lines(con, month, price_book, customer_id, association_type)
        if customer_id is not None and not current and not customer_known(con, customer_id):
            raise LookupError(
                f"unknown customer {customer_id!r}: not in billing.customers nor in any invoice; "
                'check the id (pbw sql "SELECT customer_id, customer FROM billing.customers")'
            )
        plan = plan_invoices(month, current, list_invoices(con, month, customer_id), price_book, issue)
        _drop_drafts(con, plan.drop)
        _insert_documents(con, plan, now)
        _issue(con, plan, now)
    by_id = {d.invoice_id: d for d in list_invoices(con, month, customer_id)}
    issued_ids = set(plan.issue)
    return InvoiceRun(
        created=tuple(by_id[d.invoice_id] for d in plan.create),
        issued=tuple(by_id[i] for i in plan.issue),
        unchanged=tuple(by_id[i] for i in plan.unchanged if i not in issued_ids),
    )


def customer_known(con: duckdb.DuckDBPyConnection, customer_id: str) -> bool:
    """Whether the warehouse knows the customer (a customer row, a fee record or a document)."""
    row = con.execute(
        sql("select_customer_known", package="finance"), {"customer_id": customer_id}
    ).fetchone()
    return bool(row and row[0])


def void_invoice(
    con: duckdb.DuckDBPyConnection, number: str, now_utc: dt.datetime | None = None
) -> str:
    """Void an issued document by its number (or a draft by its id); it stays on record with its number.

    Returns the voided document's id; the next run invoices the customer afresh. Unknown or already void:
    LookupError saying what to do.
    """
    row = con.execute(sql("select_document_by_number", package="finance"), {"number": number}).fetchone()
    if row is None:
        raise LookupError(
            f"no document numbered {number!r}; list the month's numbers with `pbw invoice --month YYYY-MM`"
        )
    invoice_id, status = str(row[0]), str(row[1])
    if status == "void":
        raise LookupError(f"document {number!r} is already void; nothing to do")
    params = {"invoice_id": invoice_id, "now_utc": now_utc or _now()}
    con.execute(sql("void_invoice", package="finance"), params)
    return invoice_id


def read_fee_records(
    con: duckdb.DuckDBPyConnection, month: str, customer_id: str, association_type: str = "2"
) -> pl.DataFrame:
    """Every fee record behind a customer's documents of the month (the detail attachment), exact amounts."""
    return con.sql(
        sql("select_invoice_detail", package="finance"),
        params={"month": month, "customer_id": customer_id, "association_type": association_type},
    ).pl()
