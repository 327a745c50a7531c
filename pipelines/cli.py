"""`pbw`: one command line composed from the layers; each layer registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# (module, attribute): each `register(subparsers)` adds its commands and sets `func` on them.
REGISTRARS: tuple[str, ...] = (
    "sandbox.cli",
    "partner_center.cli",
    "warehouse.cli",
    "pipelines.commands",
    "pipelines.reporting_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the parser; a layer whose CLI module is absent is skipped so partial installs still start."""
    parser = argparse.ArgumentParser(prog="pbw", description="Partner Billing Warehouse")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pbw` console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
