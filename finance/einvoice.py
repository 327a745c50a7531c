"""The export of issued documents for the partner's e-invoicing (fapiao) system: one row per line.

The fapiao system needs per line the buyer (name, tax id), the item, its tax classification code
(税收分类编码, mapped per service in the price book's [tax.classification]), the amount excluding VAT, the
rate and the tax. Credit notes export with negative amounts (a red-letter fapiao offsets the original).
Drafts and void documents are never exported. Layout: README "E-invoicing export".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from finance.invoicing.planning import InvoiceDocument
from finance.price_book import PriceBook
from finance.safe_cells import write_csv

BEIJING_OFFSET = dt.timedelta(hours=8)  # issued_at_utc is naive UTC; the fapiao date is a Beijing date
COLUMNS = (
    "document_number",
    "document_type",
    "corrects_invoice_id",
    "issue_date_beijing",
    "billing_month",
    "line_no",
    "buyer_name",
    "buyer_tax_id",
    "buyer_address",
    "buyer_bank_account",
    "customer_id",
    "item_name",
    "service_type_code",
    "tax_classification_code",
    "amount_excl_tax",
    "tax_rate",
    "tax_amount",
    "amount_incl_tax",
    "currency",
    "prices_include_tax",
    "corrects_document_number",
    "charging_mode",
)


def export_rows(docs: Iterable[InvoiceDocument], book: PriceBook) -> list[tuple[object, ...]]:
    """The rows of the issued documents, in document then line order."""
    rows: list[tuple[object, ...]] = []
    for doc in docs:
        if doc.status != "issued":
            continue
        buyer = book.details_for(doc.customer_id)
        issued = (doc.issued_at_utc + BEIJING_OFFSET).date() if doc.issued_at_utc else None
        for no, line in enumerate(doc.lines, start=1):
            rows.append(
                (
                    doc.invoice_number,
                    doc.doc_type,
                    doc.corrects_invoice_id,
                    issued,
                    doc.month,
                    no,
                    doc.customer_name,
                    buyer.tax_id,
                    buyer.address,
                    " ".join(filter(None, (buyer.bank_name, buyer.bank_account))),
                    doc.customer_id,
                    line.service_type_name or line.service_type_code,
                    line.service_type_code,
                    book.tax.code_for(line.service_type_code),
                    line.net_of_tax_amount,
                    line.tax_rate,
                    line.tax_amount,
                    line.gross_amount,
                    doc.currency,
                    "yes" if doc.prices_include_tax else "no",
                    doc.corrects_invoice_number,
                    line.charging_mode,
                )
            )
    return rows


def write_einvoice_export(docs: Iterable[InvoiceDocument], book: PriceBook, path: Path) -> Path:
    """A UTF-8 (BOM) CSV of every issued line; amounts exact to the cent."""
    return write_csv(path, COLUMNS, export_rows(docs, book))
