"""`pbw reconcile --month M` and `pbw invoice --month M [--customer C] [--issue]`: the monthly close by hand.

Both call the same finance functions as the `reconciliation` / `invoices` assets, with the CLI's options,
write the files in PBW_REPORTS/M/ and then report the month's materializations to the Dagster instance at
DAGSTER_HOME, so the UI shows the close however it ran (why runless events: pipelines/close_events.py).
Exit codes: 0 everything matched or within tolerance (or invoices written), 1 reconciliation findings,
2 an error (bad config, locked or missing warehouse, bad month), 3 the month has no data or the rules
found nothing to compare (no data is not a green).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from finance.documents import write_detail_xlsx, write_invoice_files
from finance.einvoice import write_einvoice_export
from finance.invoicing.store import generate_invoices, list_invoices, read_fee_records, void_invoice
from finance.price_book import LANGS, load_price_book
from finance.reconciliation.engine import reconcile_month
from finance.reconciliation.settings import ReconciliationSettings
from finance.reports import read_report_data, summary_text, write_report
from finance.resellers import reseller_lines
from finance.toml_config import ConfigError
from pipelines.close_events import report_invoices, report_reconciliation
from pipelines.instance import get_instance
from pipelines.partitions import billing_month
from pipelines.resources import PipelineSettings
from warehouse.publish import publishing_writer

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR, EXIT_NO_DATA = 0, 1, 2, 3
EXIT_CODES = ("exit codes: 0 all matched or within tolerance, 1 unexplained findings, 2 an error "
              "(config, warehouse, month), 3 no data for the month or nothing to compare")


def _reports_dir(args: argparse.Namespace) -> Path:
    return Path(args.out) if args.out else Path(os.environ.get("PBW_REPORTS", "reports")) / args.month


def _price_book_path(explicit: str | None) -> Path:
    path = Path(explicit or os.environ.get("PBW_PRICE_BOOK", "config/price_book.toml"))
    if explicit is None and "PBW_PRICE_BOOK" not in os.environ and not path.exists():
        return Path("config/price_book.example.toml")
    return path


def _settings(args: argparse.Namespace) -> ReconciliationSettings:
    """The environment's settings, with --settings/--plans files and --tolerance taking precedence."""
    environ = dict(os.environ)
    if args.settings:
        environ["PBW_RECONCILIATION_SETTINGS"] = args.settings
    if args.plans:
        environ["PBW_INCENTIVE_PLANS"] = args.plans
    settings = ReconciliationSettings.from_environment(environ)
    if args.tolerance is None:
        return settings
    try:
        tolerance = Decimal(args.tolerance)
    except InvalidOperation:
        raise ConfigError(f"--tolerance: not a number: {args.tolerance!r}") from None
    return dataclasses.replace(settings, tolerance=tolerance)


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Reconcile the month, write the report files and print the summary."""
    try:
        settings = _settings(args)
        with publishing_writer(must_exist=True) as con:
            result = reconcile_month(con, args.month, settings)
            clock = PipelineSettings.from_env().clock_utc()
            paths = write_report(con, result.run_id, _reports_dir(args), lang=args.lang, generated_at=clock)
            data = read_report_data(con, result.run_id)
            lines = reseller_lines(con, args.month, result.run_id)
        print(summary_text(data, paths))
        if lines:
            print("")
            print("\n".join(line.text() for line in lines))
        report_reconciliation(get_instance(), result, data.data_rows, launched_by="pbw reconcile")
    except (ConfigError, ValueError, OSError, RuntimeError, LookupError, duckdb.Error) as exc:
        print(f"pbw reconcile: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if data.verdict.kind == "empty":
        print(f"pbw reconcile: {data.verdict.text}", file=sys.stderr)
        return EXIT_NO_DATA
    return EXIT_OK if result.unexplained.is_empty() else EXIT_FINDINGS


def cmd_invoice(args: argparse.Namespace) -> int:
    """Generate (and with --issue, issue) the month's invoices and write every current document's files."""
    try:
        book = load_price_book(_price_book_path(args.price_book))
        out = _reports_dir(args) / "invoices"
        clock = PipelineSettings.from_env().clock_utc()
        with publishing_writer(must_exist=True) as con:
            if args.void:
                void_invoice(con, args.void, now_utc=clock)
            run = generate_invoices(
                con, args.month, book, customer_id=args.customer, issue=args.issue, now_utc=clock
            )
            docs = [d for d in list_invoices(con, args.month, args.customer) if d.status != "void"]
            records = {d.customer_id: read_fee_records(con, args.month, d.customer_id) for d in docs}
        for doc in docs:
            write_invoice_files(doc, book, out, lang=args.lang)
            write_detail_xlsx(doc, records[doc.customer_id], out / f"{doc.label}-detail.xlsx")
        export = write_einvoice_export(docs, book, out / f"einvoice-{args.month}.csv")
        report_invoices(get_instance(), args.month, run, launched_by="pbw invoice")
    except (ConfigError, ValueError, OSError, RuntimeError, LookupError, duckdb.Error) as exc:
        print(f"pbw invoice: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(
        f"Invoices {args.month}: {len(run.created)} created, {len(run.issued)} issued, "
        f"{len(run.unchanged)} unchanged drafts"
    )
    print(f"{'document':<34}{'type':<13}{'status':<8}{'customer':<34}{'total incl. VAT':>16}  name")
    for doc in docs:
        print(
            f"{doc.label:<34}{doc.doc_type:<13}{doc.status:<8}{doc.customer_id:<34}{doc.amount_due:>16,.2f}"
            f"  {doc.customer_name}"
        )
    print(f"e-invoicing export: {export}")
    print(f"files: {out}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `reconcile` and `invoice` to `pbw`."""
    rec = subparsers.add_parser(
        "reconcile", help="reconcile a month (R1-R5) and write the report",
        description="Reconcile a billing month (rules R1-R5), write the HTML/XLSX/CSV report to "
        "PBW_REPORTS/MONTH and record the month's materialization in Dagster (DAGSTER_HOME). "
        + EXIT_CODES + ".",
        epilog="Example: pbw reconcile --month 2026-10 --tolerance 0.05",
    )
    rec.add_argument("--month", required=True, type=billing_month, help="billing month YYYY-MM (Beijing)")
    rec.add_argument("--settings", help="reconciliation TOML (default PBW_RECONCILIATION_SETTINGS)")
    rec.add_argument("--plans", help="incentive plans TOML (default PBW_INCENTIVE_PLANS)")
    rec.add_argument("--tolerance", help="CNY difference still counted as matched (default 0.01)")
    rec.add_argument("--out", help="report folder (default PBW_REPORTS/MONTH)")
    rec.add_argument(
        "--lang", choices=LANGS, default="en", help="words of the HTML report and XLSX headers: en, zh, both"
    )
    rec.set_defaults(func=cmd_reconcile)
    inv = subparsers.add_parser(
        "invoice", help="generate, issue and write a month's customer invoices",
        description="Generate the month's customer invoices (drafts, or credit/debit notes for what "
        "changed since issue), issue them with --issue, write their files to PBW_REPORTS/MONTH/invoices "
        "and record the month's materialization in Dagster (DAGSTER_HOME).",
        epilog="Example: pbw invoice --month 2026-10 --customer C1 --issue",
    )
    inv.add_argument("--month", required=True, type=billing_month, help="billing month YYYY-MM (Beijing)")
    inv.add_argument("--customer", help="only this customer_id")
    inv.add_argument("--issue", action="store_true", help="number and freeze the drafts")
    inv.add_argument(
        "--void", metavar="NUMBER", help="void the document with this number first (it keeps its number)"
    )
    inv.add_argument(
        "--lang", choices=LANGS, help="labels zh, en or both (default: per customer in the price book)"
    )
    inv.add_argument(
        "--price-book", help="price book TOML (default PBW_PRICE_BOOK or config/price_book.toml)"
    )
    inv.add_argument("--out", help="report folder (default PBW_REPORTS/MONTH); files go to its invoices/")
    inv.set_defaults(func=cmd_invoice)
