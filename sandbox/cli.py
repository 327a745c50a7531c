"""`pbw sandbox serve` and `pbw sandbox export incentives|plans`, registered into the `pbw` command line."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from partner_center.sandbox_credentials import SANDBOX_DEFAULT_URL
from sandbox.config import SandboxConfig
from sandbox.exports import export_incentives, export_plans
from sandbox.ratelimit import parse_rate
from sandbox.record_cache import DEFAULT_CACHE_RECORDS
from sandbox.server import serve

DEFAULT_PORT = int(SANDBOX_DEFAULT_URL.rsplit(":", 1)[1])


def _world_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=42, help="world seed (same seed, same bytes)")
    parser.add_argument("--customers", type=int, default=30, help="direct customers of the partner")
    parser.add_argument("--resellers", type=int, default=3, help="resellers (云经销商) of the distributor")
    parser.add_argument(
        "--customers-per-reseller", type=int, default=3, help="customers each reseller holds for good"
    )
    parser.add_argument(
        "--movers",
        type=int,
        default=0,
        help="resale customers that change hands every month (0-3: distributor<->reseller, "
        "reseller<->reseller, a tour of all)",
    )
    parser.add_argument("--scenario", default="", help="reconciliation, restatement or both, comma-separated")
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="sandbox clock (Beijing date; default today); data is served up to the day before",
    )
    parser.add_argument(
        "--records-per-day", type=int, default=8, help="on-demand records per customer and day"
    )
    parser.add_argument(
        "--late-share", type=float, default=0.05, help="share of records published 1-2 days late"
    )


def _config(args: argparse.Namespace, **extra: Any) -> SandboxConfig:
    return SandboxConfig(
        seed=args.seed,
        customers=args.customers,
        resellers=args.resellers,
        customers_per_reseller=args.customers_per_reseller,
        movers=args.movers,
        scenario=args.scenario,
        today=args.today,
        records_per_day=args.records_per_day,
        late_share=args.late_share,
        **extra,
    )


def _serve(args: argparse.Namespace) -> int:
    try:
        config = _config(
            args,
            host=args.host,
            port=args.port,
            rate_limit=parse_rate(args.rate_limit),
            faults=args.faults,
            timeout_delay=args.timeout_delay,
            ak_lockout=args.ak_lockout,
            cache_records=args.cache_records,
            warm=tuple(args.warm),
        )
        config.fault_plan()
        config.world_config()
        if config.resellers < 0 or config.customers_per_reseller < 0 or not 0 <= config.movers <= 3:
            raise ValueError("--resellers and --customers-per-reseller must be >= 0, --movers within 0-3")
        if config.cache_records < 1:
            raise ValueError("--cache-records must be at least 1")
        for month in config.warm:
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
                raise ValueError(f"--warm {month}: YYYY-MM expected")
    except ValueError as exc:
        print(f"pbw sandbox serve: {exc}", file=sys.stderr)
        return 2
    return serve(config)


def _export_incentives(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        if args.url:
            response = httpx.get(
                f"{args.url.rstrip('/')}/_sandbox/export/incentives",
                params={"month": args.month, "format": args.format, "lang": args.lang},
                timeout=120,
            )
            if response.status_code != 200:
                raise ValueError(response.json().get("error_msg", response.text))
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(response.content)
        else:
            export_incentives(_config(args).build_world(), args.month, out, fmt=args.format, lang=args.lang)
    except (ValueError, httpx.HTTPError) as exc:
        print(f"pbw sandbox export incentives: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0


def _export_plans(args: argparse.Namespace) -> int:
    print(export_plans(Path(args.out)))
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `sandbox serve` and `sandbox export ...` to the `pbw` parser."""
    sandbox = subparsers.add_parser(
        "sandbox", help="the local Partner Center",
        description="A local Partner Center: the signed API with a seeded world of customers, fee records, "
        "bills and transactions, and the console's incentive exports.",
        epilog="Example: pbw sandbox serve --port 8765 --seed 7 --today 2026-12-04",
    )
    commands = sandbox.add_subparsers(dest="sandbox_command", required=True)

    server = commands.add_parser(
        "serve", help="serve the sandbox API; prints export lines for the client",
        description="Serve the sandbox API until interrupted; prints `export PBW_ENDPOINT=...` and the "
        "credentials lines to paste into the shell that runs pbw.",
        epilog="Example: pbw sandbox serve --port 0 --customers 20 --faults 'http500:0.05'",
    )
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    server.add_argument("--rate-limit", default="10", help="requests/s per IP, API and partner, or 'off'")
    server.add_argument("--faults", default="", help="e.g. 'http500:0.05,timeout:0.02,reset:0.01,slow:200ms'")
    server.add_argument(
        "--timeout-delay", type=float, default=5.0, help="seconds a timeout fault holds a request"
    )
    server.add_argument(
        "--ak-lockout",
        action="store_true",
        help="lock an AK for 5 min after 5 bad signatures (as the real API)",
    )
    server.add_argument(
        "--cache-records",
        type=int,
        default=DEFAULT_CACHE_RECORDS,
        help="generated fee records kept (about 1.2 KB each); the default fits 2,000 customers x 1 month",
    )
    server.add_argument(
        "--warm",
        action="append",
        default=[],
        metavar="YYYY-MM",
        help="generate and pre-serialize this month before serving (repeatable; or POST /_sandbox/warm)",
    )
    _world_options(server)
    server.set_defaults(func=_serve)

    export = commands.add_parser(
        "export", help="console exports (no API exists for these)",
        description="Write the files finance downloads from the partner console (no API serves them).",
        epilog="Example: pbw sandbox export incentives --month 2026-10 --out data/inbox/incentives.xlsx",
    )
    exports = export.add_subparsers(dest="export_command", required=True)
    incentives = exports.add_parser(
        "incentives", help="激励明细 export of one month",
        description="The incentive details (激励明细) export of one month, as the console writes it; "
        "published from the 5th of the following month.",
        epilog="Example: pbw sandbox export incentives --url $PBW_ENDPOINT --month 2026-10 --format csv "
        "--lang en --out incentives-2026-10.csv",
    )
    incentives.add_argument("--month", required=True, help="YYYY-MM")
    incentives.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    incentives.add_argument("--lang", choices=("zh", "en"), default="zh")
    incentives.add_argument("--out", required=True, help="file to write")
    incentives.add_argument(
        "--url",
        default=None,
        help="take the export from this running sandbox (its world, clock and scenarios)",
    )
    _world_options(incentives)
    incentives.set_defaults(func=_export_incentives)

    plans = exports.add_parser(
        "plans", help="the partner's incentive plan rates as CSV",
        description="The incentive plan rates of the seeded world, as a CSV to compare with the plans TOML.",
        epilog="Example: pbw sandbox export plans --out plans.csv",
    )
    plans.add_argument("--out", required=True)
    plans.set_defaults(func=_export_plans)
