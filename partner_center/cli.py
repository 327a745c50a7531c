"""`pbw api call ENDPOINT --param k=v ... [--all]`: one signed call (or a full sweep), JSON on stdout.

Meant for checking credentials and parameters against the real endpoint; output is scrubbed of secrets
and numbers are printed exactly as the API sent them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from partner_center.client import PartnerCenterClient
from partner_center.config import Settings
from partner_center.endpoints import ENDPOINTS
from partner_center.errors import PartnerCenterError
from partner_center.redact import scrub


def register(subparsers: Any) -> None:
    """Add `api call` to the `pbw` command line."""
    api = subparsers.add_parser(
        "api", help="talk to the Partner Center API directly",
        description="Signed calls to the Partner Center API with the credentials of the environment "
        "(PBW_ENDPOINT, HUAWEICLOUD_SDK_AK/SK); secrets never appear in the output.",
        epilog="Example: pbw api call sub_customers --param limit=10",
    )
    api_sub = api.add_subparsers(dest="api_command", required=True)
    call = api_sub.add_parser(
        "call", help="one signed call (or every page with --all); prints JSON",
        description="One signed call of an endpoint, or every page of it with --all; prints the JSON answer.",
        epilog="Example: pbw api call res_fee_records --param bill_cycle=2026-10 --param customer_id=C1",
    )
    call.add_argument("endpoint", choices=sorted(ENDPOINTS))
    call.add_argument("--param", action="append", default=[], metavar="K=V",
                      help="request parameter; JSON values ([...], {...}) and offset/limit are parsed")
    call.add_argument("--all", action="store_true", help="sweep every page and print them all")
    call.set_defaults(func=run_call)


def parse_params(items: list[str]) -> dict[str, object]:
    """`k=v` pairs; a value starting with [ or { and offset/limit are read as JSON, the rest stay text."""
    params: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--param needs K=V, got {item!r}")
        params[key] = json.loads(value) if value[:1] in "[{" or key in ("offset", "limit") else value
    return params


async def _call(settings: Settings, endpoint: str, params: dict[str, object], sweep_all: bool) -> str:
    async with PartnerCenterClient(settings) as pc:
        if not sweep_all:
            return (await pc.call(endpoint, params)).decode()
        with await pc.sweep(endpoint, params) as sweep:
            pages = ",\n".join(page.decode() for page in sweep.read_pages())
            facts = {"endpoint": sweep.endpoint, "params": sweep.params, "api_count": sweep.api_count,
                     "fetched": sweep.fetched, "duplicates": sweep.duplicates, "calls": sweep.calls,
                     "throttled": sweep.throttled, "retries": sweep.retries, "resweeps": sweep.resweeps}
            head = json.dumps(facts, ensure_ascii=False, default=str)[:-1]
            return f'{head}, "pages": [\n{pages}\n]}}'


def run_call(args: argparse.Namespace) -> int:
    """Entry of `pbw api call`; exit code 0 on success, 2 on an API or usage error."""
    try:
        params = parse_params(args.param)
        settings = Settings.from_env()
        text = asyncio.run(_call(settings, args.endpoint, params, args.all))
    except (PartnerCenterError, ValueError) as exc:
        print(scrub(f"error: {exc}"), file=sys.stderr)
        return 2
    print(scrub(text))
    return 0
