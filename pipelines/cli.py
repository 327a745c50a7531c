"""`pbw`: one command line composed from the layers; each layer registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from pipelines.failures import verbose

# (module, attribute): each `register(subparsers)` adds its commands and sets `func` on them.
REGISTRARS: tuple[str, ...] = (
    "sandbox.cli",
    "partner_center.cli",
    "pipelines.sql_commands",
    "pipelines.commands",
    "pipelines.runs_commands",
    "pipelines.reporting_commands",
    "pipelines.statement_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the parser; a layer whose CLI module is absent is skipped so partial installs still start."""
    parser = argparse.ArgumentParser(
        prog="pbw",
        description="Partner Billing Warehouse: Huawei Cloud Partner Center -> validated DuckDB -> "
        "reconciliation and invoices.",
        epilog="Example: pbw sandbox serve & pbw backfill --from 2026-10-01 --to 2026-10-31",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print tracebacks and Dagster's step logs on failure (also PBW_VERBOSE=1)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in REGISTRARS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def package_version() -> str:
    """The installed distribution's version (a source checkout without install says so)."""
    try:
        return version("partner-billing-warehouse")
    except PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pbw` console script; returns the process exit code.

    A failure ends in one line naming the cause and what to do; the traceback only with `-v`.
    """
    args = build_parser().parse_args(argv)
    if args.verbose:
        os.environ["PBW_VERBOSE"] = "1"  # worker processes of `pbw run` read it too
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("pbw: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if verbose():
            traceback.print_exc()
        text = " ".join(str(exc).split()) or type(exc).__name__
        hint = "" if verbose() else " (run with -v for the traceback)"
        print(f"pbw {args.command}: {text}{hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
