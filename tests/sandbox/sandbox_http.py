"""What the sandbox tests share to talk to a sandbox over HTTP: API paths, exact JSON, paged sweeps."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

from sandbox.server import RunningSandbox

FEES = "/v2/bills/subcustomer-bills/res-fee-records"
SUMS = "/v2/bills/partner-bills/subcustomer-bills/monthly-sum"
CHANGES = "/v2/accounts/partner-accounts/account-change-records"
CUSTOMERS = "/v2/partners/sub-customers/query"
Signed = Callable[..., httpx.Response]

def iam_password_body(password: str = "sandbox-password-not-a-secret") -> dict[str, Any]:
    """An IAM password-token request (POST /v3/auth/tokens) for the sandbox's public demo user."""
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "sandbox-finance", "password": password, "domain": {"name": "pbw"}},
                },
            }
        }
    }


def parse(content: bytes) -> dict[str, Any]:
    """JSON with numbers as Decimal (exact), like the SDK reads them."""
    return json.loads(content, parse_float=Decimal)


def sweep(
    signed: Signed, box: RunningSandbox, path: str, key: str, limit: int, **params: object
) -> list[Any]:
    """Every row of a paged GET, `limit` per page, until the announced count (or an empty page)."""
    rows: list[Any] = []
    while True:
        page = parse(signed(box, "GET", path, {**params, "offset": len(rows), "limit": limit}).content)
        rows += page[key]
        if len(rows) >= page.get("total_count", page.get("count")) or not page[key]:
            return rows
