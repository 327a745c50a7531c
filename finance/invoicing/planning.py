"""Invoice planning, the pure core: warehouse sums and the documents so far -> the documents to write.

No I/O, no DuckDB: every per-customer decision (new invoice, correction note, keep or replace a draft), the
price-book adjustment, the rounding and the numbering of issued documents are made here, so they can be read
and tested on plain values; `store.py` only reads the inputs and writes what the plan decided.

An issued invoice is never edited. When the warehouse changes after issue (a restatement, a late refund),
the next run issues one credit or debit note for the difference between what the data says now and what
the customer was already invoiced. A customer's first document of a month whose total is negative is a
credit note, never a negative invoice. Rounding: each line amount is the exact warehouse sum rounded half-up
to 0.01 (the price-book adjustment from the exact net); VAT is computed per line from the rounded amount due
and rounded half-up (net of tax + tax = gross exactly); document totals are sums of rounded lines.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from finance.price_book import Issuer, PriceBook, PriceRule, TaxPolicy

CENT = Decimal("0.01")
MONEY_FIELDS: tuple[str, ...] = (
    "list_amount",
    "discount_amount",
    "coupon_amount",
    "net_amount",
    "adjustment_amount",
    "amount_due",
    "cash_amount",
    "credit_amount",
    "net_of_tax_amount",
    "tax_amount",
    "gross_amount",
)
FUNDING_FIELDS = frozenset({"cash_amount", "credit_amount"})  # how Huawei was paid, not what is billed
DOC_TOTAL_FIELDS: tuple[str, ...] = (
    "list_amount",
    "discount_amount",
    "coupon_amount",
    "adjustment_amount",
    "amount_due",
    "net_of_tax_amount",
    "tax_amount",
    "gross_amount",
)


def quantize(amount: Decimal) -> Decimal:
    """The invoice rounding rule: half-up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


LineKey = tuple[int, str]  # (charging mode, service_type_code): the grain of an invoice line
NO_MODE = -1  # the charging-mode key of lines issued before lines carried one


@dataclass(frozen=True)
class InvoiceLine:
    """One service in one charging mode on an invoice; every amount already rounded to the cent."""

    service_type_code: str
    service_type_name: str
    list_amount: Decimal
    discount_amount: Decimal
    coupon_amount: Decimal
    net_amount: Decimal
    adjustment_amount: Decimal
    amount_due: Decimal
    cash_amount: Decimal
    credit_amount: Decimal
    net_of_tax_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    tax_rate: Decimal = Decimal(0)
    charging_mode: int | None = None  # 1 yearly/monthly, 3 on-demand, 10 reserved instance, 11 savings plan

    @property
    def key(self) -> LineKey:
        """What a correction compares: the same service in the same charging mode."""
        return (NO_MODE if self.charging_mode is None else self.charging_mode, self.service_type_code)

    def minus(self, other: InvoiceLine | None) -> InvoiceLine:
        """This line less what was already invoiced for the same service."""
        if other is None:
            return self
        amounts = {f: getattr(self, f) - getattr(other, f) for f in MONEY_FIELDS}
        return InvoiceLine(
            self.service_type_code,
            self.service_type_name or other.service_type_name,
            **amounts,
            tax_rate=self.tax_rate,
            charging_mode=self.charging_mode,
        )

    @property
    def is_zero(self) -> bool:
        """Nothing billed differs: nothing to correct (a shift between cash and credit alone is no note)."""
        return all(getattr(self, f) == 0 for f in MONEY_FIELDS if f not in FUNDING_FIELDS)


def taxed(amount: Decimal, rate: Decimal, inclusive: bool) -> tuple[Decimal, Decimal, Decimal]:
    """(net of tax, tax, gross) of a rounded amount; the tax rounded half-up, net + tax == gross exactly.

    Tax-exclusive prices: the amount is the net and VAT comes on top; tax-inclusive: the amount is the gross
    and the VAT inside it is amount x rate / (1 + rate).
    """
    if inclusive:
        tax = quantize(amount * rate / (1 + rate))
        return amount - tax, tax, amount
    tax = quantize(amount * rate)
    return amount, tax, amount + tax


@dataclass(frozen=True)
class Funding:
    """How the warehouse says a line was paid for: cash, credit, coupons (exact sums)."""

    cash: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


def price_line(
    code: str,
    name: str,
    list_amount: Decimal,
    discount: Decimal,
    coupons: Decimal,
    payment: Decimal,
    rule: PriceRule,
    tax: TaxPolicy = TaxPolicy(),
    funding: Funding = Funding(),
    charging_mode: int | None = None,
) -> InvoiceLine:
    """A line from exact warehouse sums: net = payment - coupons, the price rule, rounding, then VAT."""
    net_exact = payment - coupons
    net = quantize(net_exact)
    adjustment = quantize(rule.adjustment(net_exact))
    due = net + adjustment
    rate = tax.rate_for(code)
    net_of_tax, tax_amount, gross = taxed(due, rate, tax.prices_include_tax)
    return InvoiceLine(
        service_type_code=code,
        service_type_name=name,
        list_amount=quantize(list_amount),
        discount_amount=quantize(discount),
        coupon_amount=quantize(coupons),
        net_amount=net,
        adjustment_amount=adjustment,
        amount_due=due,
        cash_amount=quantize(funding.cash),
        credit_amount=quantize(funding.credit),
        net_of_tax_amount=net_of_tax,
        tax_amount=tax_amount,
        gross_amount=gross,
        tax_rate=rate,
        charging_mode=charging_mode,
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
    prices_include_tax: bool = False
    payment_terms_days: int = 30
    due_date: dt.date | None = None
    corrects_invoice_number: str | None = None  # what the customer knows the corrected invoice by

    def total(self, field: str) -> Decimal:
        """Sum of a rounded line amount: the document total is by construction the sum of its lines."""
        return sum((getattr(line, field) for line in self.lines), Decimal(0))

    @property
    def amount_due(self) -> Decimal:
        """What the customer owes on this document, VAT included (negative on a credit note)."""
        return self.total("gross_amount")

    @property
    def label(self) -> str:
        """The number once issued, else a draft label."""
        return self.invoice_number or f"DRAFT-{self.invoice_id}"


@dataclass(frozen=True)
class BasisRow:
    """One (customer, service) of the month's resale consumption: exact, unrounded warehouse sums."""

    customer_id: str
    customer_name: str | None
    service_type_code: str | None
    service_type_name: str | None
    list_amount: Decimal
    discount_amount: Decimal
    coupon_amount: Decimal
    payment_amount: Decimal
    cash_amount: Decimal = Decimal(0)
    credit_amount: Decimal = Decimal(0)
    charging_mode: int | None = None


@dataclass(frozen=True)
class CustomerLines:
    """What a customer should be invoiced now: the name to print and one rounded line per service."""

    customer_name: str
    lines: tuple[InvoiceLine, ...]


def customer_lines(basis: Iterable[BasisRow], price_book: PriceBook) -> dict[str, CustomerLines]:
    """customer_id -> name and lines by service, the price book applied (a price-book name wins)."""
    out: dict[str, tuple[str, list[InvoiceLine]]] = {}
    for row in basis:
        cid = row.customer_id
        rule = price_book.rule_for(cid)
        name = price_book.customer_names.get(cid) or row.customer_name or cid
        code = row.service_type_code
        line = price_line(
            code or "",
            row.service_type_name or code or "",
            row.list_amount,
            row.discount_amount,
            row.coupon_amount,
            row.payment_amount,
            rule,
            price_book.tax,
            Funding(row.cash_amount, row.credit_amount),
            row.charging_mode,
        )
        out.setdefault(cid, (name, []))[1].append(line)
    return {cid: CustomerLines(name, tuple(lines)) for cid, (name, lines) in out.items()}


def content_hash(doc_type: str, price_rule: str, customer_name: str, lines: Iterable[InvoiceLine]) -> str:
    """What makes two drafts the same document: a draft with the same hash is kept, not replaced."""
    payload = {
        "doc_type": doc_type,
        "price_rule": price_rule,
        "customer_name": customer_name,
        "lines": [
            [
                line.charging_mode,
                line.service_type_code,
                line.service_type_name,
                str(line.tax_rate),
                *(str(getattr(line, f)) for f in MONEY_FIELDS),
            ]
            for line in lines
        ],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()


def summed(lines: Iterable[InvoiceLine], by_service: bool = False) -> dict[LineKey, InvoiceLine]:
    """Lines summed per (charging mode, service), or per service alone with no mode (`by_service`)."""
    names: dict[LineKey, list[str]] = {}
    rates: dict[LineKey, Decimal] = {}
    modes: dict[LineKey, int | None] = {}
    sums: dict[LineKey, list[Decimal]] = {}
    for line in lines:
        key = (NO_MODE, line.service_type_code) if by_service else line.key
        names.setdefault(key, []).append(line.service_type_name)
        rates[key] = line.tax_rate
        modes[key] = None if by_service else line.charging_mode
        acc = sums.setdefault(key, [Decimal(0)] * len(MONEY_FIELDS))
        for i, f in enumerate(MONEY_FIELDS):
            acc[i] += getattr(line, f)
    return {
        key: InvoiceLine(
            key[1],
            max(names[key]),
            **dict(zip(MONEY_FIELDS, sums[key], strict=True)),
            tax_rate=rates[key],
            charging_mode=modes[key],
        )
        for key in sorted(sums)
    }


def invoiced_so_far(issued: Iterable[InvoiceDocument]) -> dict[LineKey, InvoiceLine]:
    """What a customer was invoiced so far: the lines of its issued documents summed per line key."""
    return summed(line for doc in issued for line in doc.lines)


def difference(
    current: tuple[InvoiceLine, ...], invoiced: Mapping[LineKey, InvoiceLine]
) -> tuple[InvoiceLine, ...]:
    """Per line key: now minus already invoiced, lines that vanished included; zero lines dropped.

    Documents issued before lines carried a charging mode are compared per service (the current lines
    summed per service), so the upgrade itself corrects nothing.
    """
    now = summed(current, by_service=any(k[0] == NO_MODE for k in invoiced))
    out = []
    for key in sorted(now.keys() | invoiced.keys()):
        if key in now:
            delta = now[key].minus(invoiced.get(key))
        else:
            old = invoiced[key]
            zero = InvoiceLine(
                old.service_type_code,
                old.service_type_name,
                **dict.fromkeys(MONEY_FIELDS, Decimal(0)),
                tax_rate=old.tax_rate,
                charging_mode=old.charging_mode,
            )
            delta = zero.minus(old)
        if not delta.is_zero:
            out.append(delta)
    return tuple(out)


def new_invoice_id(month: str, customer_id: str, doc_type: str) -> str:
    """A fresh draft's id: readable prefix, random suffix (the number comes only on issue)."""
    return f"{month}-{customer_id}-{doc_type}-{uuid.uuid4().hex[:10]}"


@dataclass(frozen=True)
class PlannedDocument:
    """A draft the plan creates; totals are the sums of its rounded lines."""

    invoice_id: str
    customer_id: str
    customer_name: str
    doc_type: str
    corrects_invoice_id: str | None
    price_rule: str
    lines: tuple[InvoiceLine, ...]
    content_hash: str

    def total(self, field: str) -> Decimal:
        """Sum of a rounded line amount."""
        return sum((getattr(line, field) for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class InvoicePlan:
    """Everything one run writes: drafts to drop, drafts to create, documents to issue in numbering order."""

    month: str
    issuer: Issuer
    drop: tuple[str, ...]
    create: tuple[PlannedDocument, ...]
    issue: tuple[str, ...]
    unchanged: tuple[str, ...]
    credit_notes: frozenset[str] = frozenset()
    prices_include_tax: bool = False

    def series(self, invoice_id: str) -> str:
        """The number series a document to issue takes: credit notes run their own."""
        return "credit_note" if invoice_id in self.credit_notes else "invoice"


def plan_invoices(
    month: str,
    current: Mapping[str, CustomerLines],
    documents: Iterable[InvoiceDocument],
    price_book: PriceBook,
    issue: bool = False,
    new_id: Callable[[str, str, str], str] = new_invoice_id,
) -> InvoicePlan:
    """Bring the month's documents (of the price book's issuer) in line with what the warehouse says now.

    Without an issued invoice a customer gets (or keeps, when unchanged) one draft invoice, or a credit note
    when the month's total is negative. With one, the difference to everything issued becomes one draft
    credit/debit note; no difference, no document.
    `issue=True` puts every document this produced in the numbering order, customers sorted.
    """
    issuer = price_book.issuer.name
    created: list[PlannedDocument] = []
    to_issue: list[str] = []
    unchanged: list[str] = []
    dropped: list[str] = []
    credit_notes: set[str] = set()
    by_customer: dict[str, list[InvoiceDocument]] = {}
    for doc in documents:
        if doc.issuer == issuer:
            by_customer.setdefault(doc.customer_id, []).append(doc)
    issued_customers = {cid for cid, ds in by_customer.items() if any(d.status == "issued" for d in ds)}
    for cid in sorted(current.keys() | issued_customers):
        now = current.get(cid, CustomerLines("", ()))
        mine = by_customer.get(cid, [])
        name = now.customer_name or next((d.customer_name for d in mine), cid)
        invoice = next((d for d in mine if d.corrects_invoice_id is None and d.status == "issued"), None)
        if invoice is None:
            corrects, doc_lines = None, now.lines
            total = sum((line.gross_amount for line in doc_lines), Decimal(0))
            doc_type = "credit_note" if total < 0 else "invoice"
            drafts = [d for d in mine if d.status == "draft" and d.corrects_invoice_id is None]
        else:
            doc_lines = difference(now.lines, invoiced_so_far(d for d in mine if d.status == "issued"))
            total = sum((line.gross_amount for line in doc_lines), Decimal(0))
            doc_type = "credit_note" if total < 0 else "debit_note"
            corrects = invoice.invoice_id
            drafts = [d for d in mine if d.status == "draft" and d.corrects_invoice_id is not None]
        price_rule = price_book.rule_for(cid).label
        digest = content_hash(doc_type, price_rule, name, doc_lines)
        keep = next(
            (d for d in drafts if content_hash(d.doc_type, d.price_rule, d.customer_name, d.lines) == digest),
            None,
        )
        dropped.extend(d.invoice_id for d in drafts if d is not keep)
        if not doc_lines:
            continue
        if keep is not None:
            unchanged.append(keep.invoice_id)
            target = keep.invoice_id
        else:
            target = new_id(month, cid, doc_type)
            created.append(
                PlannedDocument(
                    invoice_id=target,
                    customer_id=cid,
                    customer_name=name,
                    doc_type=doc_type,
                    corrects_invoice_id=corrects,
                    price_rule=price_rule,
                    lines=doc_lines,
                    content_hash=digest,
                )
            )
        if issue:
            to_issue.append(target)
            if doc_type == "credit_note":
                credit_notes.add(target)
    return InvoicePlan(
        month=month,
        issuer=price_book.issuer,
        drop=tuple(dropped),
        create=tuple(created),
        issue=tuple(to_issue),
        unchanged=tuple(unchanged),
        credit_notes=frozenset(credit_notes),
        prices_include_tax=price_book.tax.prices_include_tax,
    )


def invoice_numbers(prefix: str, last_number: int, count: int) -> list[str]:
    """The numbers of a reservation that ended at `last_number`: gapless, six digits after the prefix."""
    first = last_number - count + 1
    return [f"{prefix}{first + i:06d}" for i in range(count)]
