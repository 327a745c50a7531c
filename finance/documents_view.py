"""What an invoice document shows, in the customer's language, shared by the HTML and the PDF renderer.

The parties, the dates and terms, the lines grouped by charging mode with a subtotal each, and the totals:
deciding them once keeps the two renderings the same figure for figure, and every date comes from the
document itself (issue and due dates stored on issue), never from the clock, so a re-render is the same page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from finance.invoicing.planning import InvoiceDocument, InvoiceLine
from finance.labels import label
from finance.price_book import CustomerDetails, Issuer, PriceBook
from finance.safe_cells import money
from schemas.codes import CHARGING_MODE

BEIJING_OFFSET = dt.timedelta(hours=8)  # issued_at_utc is naive UTC; documents show Beijing dates
LINE_FIELDS = (
    "list_amount",
    "discount_amount",
    "coupon_amount",
    "amount_due",
    "net_of_tax_amount",
    "tax_amount",
    "gross_amount",
)
FUNDING_FIELDS = ("cash_amount", "credit_amount", "coupon_amount")


def rate_text(rate: Decimal) -> str:
    """A VAT rate as people write it: 0.06 -> "6%"."""
    return f"{(rate * 100).normalize():f}%"


def rates_text(lines: tuple[InvoiceLine, ...]) -> str:
    """The distinct rates of some lines, e.g. "13%, 6%"."""
    return ", ".join(sorted({rate_text(line.tax_rate) for line in lines}))


def line_cells(line: InvoiceLine) -> list[str]:
    """A line's amount cells in column order, the VAT rate before the tax columns."""
    cells = [money(getattr(line, f)) for f in LINE_FIELDS]
    cells.insert(4, rate_text(line.tax_rate))
    return cells


def total_cells(lines: tuple[InvoiceLine, ...]) -> list[str]:
    """The summed amount cells of some lines (a group's subtotal or the document's total)."""
    cells = [money(sum((getattr(line, f) for line in lines), Decimal(0))) for f in LINE_FIELDS]
    cells.insert(4, rates_text(lines))
    return cells


@dataclass(frozen=True)
class ModeGroup:
    """The lines of one charging mode and the words of its subtotal row."""

    mode: int | None
    title: str
    subtotal_label: str
    lines: tuple[InvoiceLine, ...]


@dataclass(frozen=True)
class DocumentView:
    """What one document shows besides its lines: the parties and the label language."""

    doc: InvoiceDocument
    issuer: Issuer
    customer: CustomerDetails
    lang: str

    def t(self, key: str, **values: object) -> str:
        """A label in this document's language."""
        return label(key, self.lang, **values)

    @property
    def title(self) -> str:
        """E.g. "发票 Invoice ECP-INV-000001"."""
        return f"{self.t(self.doc.doc_type)} {self.doc.label}"

    @property
    def issue_date(self) -> dt.date | None:
        """The Beijing date the document was issued (None for a draft)."""
        issued = self.doc.issued_at_utc
        return (issued + BEIJING_OFFSET).date() if issued else None

    def due(self) -> str:
        """The due date (Beijing) once issued, else when it will fall."""
        if self.doc.due_date is not None:
            return self.doc.due_date.isoformat()
        return self.t("due_on_issue", days=self.doc.payment_terms_days)

    def price_basis(self) -> str | None:
        """The customer's price terms in words ("5% discount on Huawei Cloud prices"), None at list prices."""
        kind, _, percent = self.doc.price_rule.partition(" ")
        if kind in ("discount", "markup") and percent:
            return self.t(f"basis_{kind}", percent=percent)
        return None

    def parties(self) -> list[tuple[str, str, str]]:
        """(label, issuer value, customer value) rows of the header block."""
        c = self.customer
        return [
            (
                self.t("issuer") + " / " + self.t("customer"),
                self.issuer.name,
                f"{self.doc.customer_name} ({self.doc.customer_id})",
            ),
            (self.t("address"), self.issuer.address, c.address),
            (self.t("tax_id"), self.issuer.tax_id, c.tax_id),
            (
                self.t("bank"),
                " ".join(filter(None, (self.issuer.bank_name, self.issuer.bank_account))),
                " ".join(filter(None, (c.bank_name, c.bank_account))),
            ),
        ]

    def meta(self) -> list[tuple[str, str]]:
        """(label, value) rows: number, month, dates, terms, the price basis when there is one."""
        doc = self.doc
        issued = self.issue_date
        rows = [
            (self.t("number"), doc.invoice_number or self.t("draft")),
            (self.t("status"), self.t("draft") if doc.status == "draft" else self.t("issued_status")),
            (self.t("billing_month"), doc.month),
            (self.t("issue_date"), issued.isoformat() if issued else "-"),
        ]
        if doc.doc_type == "credit_note":  # money goes back to the customer: nothing falls due
            rows.append((self.t("settlement"), self.t("settlement_credit")))
        else:
            rows += [(self.t("payment_terms"), self.t("terms_days", days=doc.payment_terms_days)),
                     (self.t("due_date"), self.due())]
        basis = self.price_basis()
        if basis:
            rows.append((self.t("price_basis"), basis))
        if doc.corrects_invoice_id:
            rows.append((self.t("corrects"), doc.corrects_invoice_number or doc.corrects_invoice_id))
        return rows

    def mode_name(self, mode: int | None) -> str:
        """A charging mode in the document's language (schemas' code table; 0 and legacy lines: "other")."""
        if mode is None or mode not in CHARGING_MODE:
            return self.t("mode_other")
        zh, en = CHARGING_MODE[mode]
        return {"zh": zh, "en": en.capitalize()}.get(self.lang, f"{zh} {en.capitalize()}")

    def groups(self) -> list[ModeGroup]:
        """The lines by charging mode in code order ("other" last), each group with its subtotal label."""
        by_mode: dict[int | None, list[InvoiceLine]] = {}
        for line in self.doc.lines:
            by_mode.setdefault(line.charging_mode, []).append(line)
        out = []
        for mode in sorted(by_mode, key=lambda m: (not m, m or 0)):  # "other" (0, or none) last
            name = self.mode_name(mode)
            out.append(ModeGroup(mode, name, f"{self.t('subtotal')}: {name}", tuple(by_mode[mode])))
        return out

    def headers(self) -> list[str]:
        """Column headings of the lines table."""
        heads = [self.t(f) for f in LINE_FIELDS]
        heads.insert(4, self.t("tax_rate"))
        return [self.t("service"), *heads]

    def funding(self) -> list[tuple[str, str]]:
        """How Huawei Cloud was paid for the month: cash, credit and coupons, each a (label, amount) row."""
        return [(self.t(f), money(self.doc.total(f))) for f in FUNDING_FIELDS]

    def tax_note(self) -> str:
        """Whether prices include VAT, and how amounts are rounded."""
        which = "prices_incl" if self.doc.prices_include_tax else "prices_excl"
        if self.lang == "both":  # all Chinese, then all English: each reader reads one paragraph
            return " ".join(label(k, lang) for lang in ("zh", "en") for k in (which, "rounding"))
        return f"{self.t(which)} {self.t('rounding')}"


def view_of(doc: InvoiceDocument, book: PriceBook, lang: str | None = None) -> DocumentView:
    """The document with its parties from the price book; `lang` overrides the customer's language."""
    return DocumentView(
        doc, book.issuer, book.details_for(doc.customer_id), lang or book.lang_for(doc.customer_id)
    )
