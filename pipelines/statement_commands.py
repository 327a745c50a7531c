"""`pbw statements --month M [--reseller ID ...]`: a distributor's monthly statement per reseller.

Writes PBW_REPORTS/M/statements/<reseller account>-M.html and .xlsx (the monthly close writes the same files
from the `invoices` asset). Exit codes: 0 written, 2 an error (locked or missing warehouse, unknown
reseller), 3 no reseller in the warehouse (load them first: `pbw run`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

from finance.reseller_statements import write_statements
from finance.resellers import reseller_ids
from pipelines.partitions import billing_month
from pipelines.resources import PipelineSettings
from warehouse.connection import writer

EXIT_OK, EXIT_ERROR, EXIT_NONE = 0, 2, 3


def cmd_statements(args: argparse.Namespace) -> int:
    """Write the statements and print one line per file."""
    out = Path(args.out) if args.out else Path(os.environ.get("PBW_REPORTS", "reports")) / args.month
    try:
        with writer(must_exist=True) as con:
            if not (args.reseller or reseller_ids(con)):
                print("pbw statements: no reseller in billing.indirect_partners; load them first (pbw run)",
                      file=sys.stderr)
                return EXIT_NONE
            clock = PipelineSettings.from_env().clock_utc()
            paths = write_statements(con, args.month, out, args.reseller or None, generated_at=clock)
    except (ValueError, OSError, RuntimeError, LookupError, duckdb.Error) as exc:
        print(f"pbw statements: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"Reseller statements {args.month}: {len(paths) // 2} reseller(s)")
    for path in paths:
        print(path)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `statements` to `pbw`."""
    cmd = subparsers.add_parser(
        "statements", help="write each reseller's monthly statement (HTML, XLSX)",
        description="Write a monthly statement per reseller of the distributor: its customers' consumption "
        "by customer and service, coupon quotas, funds allocated and reclaimed, balance and incentives, to "
        "PBW_REPORTS/MONTH/statements. Exit codes: 0 written, 2 an error, 3 no reseller loaded.",
        epilog="Example: pbw statements --month 2026-10",
    )
    cmd.add_argument("--month", required=True, type=billing_month, help="billing month YYYY-MM (Beijing)")
    cmd.add_argument("--reseller", action="append", help="only this indirect_partner_id (repeatable)")
    cmd.add_argument("--out", help="report folder (default PBW_REPORTS/MONTH); files go to its statements/")
    cmd.set_defaults(func=cmd_statements)
