"""A deliberately minimal signed HTTP caller for the benchmarks' own bookkeeping and the fetch-only peer.

It is not the project's client: the peers and the workload survey must not depend on the code under
test, only on the signer that the sandbox requires.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from partner_center.signing import canonical_query, sign

FEE_RECORDS = "/v2/bills/subcustomer-bills/res-fee-records"
CONSUME_CUSTOMERS = "/v2/bills/subcustomer-bills/res-fee-records/sub-customers/query"
SUB_CUSTOMERS = "/v2/partners/sub-customers/query"
MONTHLY_SUM = "/v2/bills/partner-bills/subcustomer-bills/monthly-sum"
ACCOUNT_CHANGES = "/v2/accounts/partner-accounts/account-change-records"
RESELLERS = "/v2/partners/indirect-partners/query"
BALANCES = "/v2/accounts/partner-accounts/balances"
CUSTOMER_BALANCES = "/v2/accounts/customer-accounts/balances/batch-query"
ADJUST_RECORDS = "/v3/accounts/partner-accounts/adjust-records"
ISSUED_QUOTAS = "/v2/partners/issued-coupon-quotas"
QUOTA_RECORDS = "/v2/partners/coupon-quotas/records"
FEE_PAGE = 1000
LIST_PAGE = 100


@dataclass(frozen=True)
class Credentials:
    """AK/SK and domain id; `repr` hides the secret so a traceback cannot print it."""

    endpoint: str
    ak: str
    sk: str
    domain_id: str

    def __repr__(self) -> str:
        return f"Credentials(endpoint={self.endpoint!r}, ak=<hidden>, sk=<hidden>)"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        """Read the official SDK variable names plus PBW_ENDPOINT, as `pbw sandbox serve` exports them."""
        env = os.environ if env is None else env
        return cls(
            endpoint=env["PBW_ENDPOINT"].rstrip("/"),
            ak=env["HUAWEICLOUD_SDK_AK"],
            sk=env["HUAWEICLOUD_SDK_SK"],
            domain_id=env["HUAWEICLOUD_SDK_DOMAIN_ID"],
        )


def signed_headers(creds: Credentials, method: str, url: str, body: bytes) -> dict[str, str]:
    """Headers for one request whose `url` already carries the canonical query."""
    headers = {
        "Content-Type": "application/json",
        "X-Domain-Id": creds.domain_id,
        "Host": urlsplit(url).netloc,
    }
    headers.update(sign(method, url, headers, body, creds.ak, creds.sk))
    return headers


def call(
    client: httpx.Client,
    creds: Credentials,
    method: str,
    path: str,
    params: Mapping[str, object] | None = None,
    body: Mapping[str, object] | None = None,
) -> bytes:
    """One signed call; returns the raw response bytes and raises on any HTTP error."""
    query = canonical_query(params or {})
    url = f"{creds.endpoint}{path}" + (f"?{query}" if query else "")
    content = orjson.dumps(body) if body is not None else b""
    response = client.request(
        method, url, content=content, headers=signed_headers(creds, method, url, content)
    )
    response.raise_for_status()
    return response.content


def consuming_customers(
    client: httpx.Client, creds: Credentials, cycle: str, view: Mapping[str, object] | None = None
) -> list[str]:
    """Every customer with consumption in `cycle` (the consume-sub-customers query, pages of 100), in the
    distributor's own view or a reseller's (`view` = {"indirect_partner_id": R})."""
    found: list[str] = []
    offset = 0
    while True:
        page = orjson.loads(
            call(client, creds, "POST", CONSUME_CUSTOMERS,
                 body={"bill_cycle": cycle, "offset": offset, "limit": LIST_PAGE, **(view or {})})
        )
        rows = page.get("sub_customers") or []
        found.extend(row["customer_id"] for row in rows)
        offset += LIST_PAGE
        if len(rows) < LIST_PAGE or offset >= int(page.get("total_count") or 0):
            return found


def list_ids(
    client: httpx.Client, creds: Credentials, path: str, list_key: str, id_key: str,
    view: Mapping[str, object] | None = None,
) -> list[str]:
    """Every id of a POST list (sub-customers, indirect-partners), pages of 100."""
    found: list[str] = []
    while True:
        body = {"offset": len(found), "limit": LIST_PAGE, **(view or {})}
        rows = orjson.loads(call(client, creds, "POST", path, body=body)).get(list_key) or []
        found.extend(str(row[id_key]) for row in rows)
        if len(rows) < LIST_PAGE:
            return found


def fee_pages(
    client: httpx.Client, creds: Credentials, params: Mapping[str, object], limit: int = FEE_PAGE
) -> Iterator[dict[str, Any]]:
    """Pages of one res-fee-records sweep as dicts; 0-based offsets, stop at the count or a short page."""
    offset = 0
    while True:
        page = orjson.loads(
            call(client, creds, "GET", FEE_RECORDS, params={**params, "offset": offset, "limit": limit})
        )
        yield page
        offset += limit
        if len(page.get("fee_records") or []) < limit or offset >= int(page.get("total_count") or 0):
            return


def total_count(client: httpx.Client, creds: Credentials, path: str, params: Mapping[str, object],
                method: str = "GET", count_key: str = "total_count") -> int:
    """The API's count for a query, asked with limit 1 (used only to size workloads, never timed)."""
    if method == "GET":
        raw = call(client, creds, method, path, params={**params, "offset": 0, "limit": 1})
    else:
        raw = call(client, creds, method, path, body={**params, "offset": 0, "limit": 1})
    return int(orjson.loads(raw).get(count_key) or 0)
