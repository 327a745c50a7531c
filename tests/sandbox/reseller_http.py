"""What the distributor-world tests share: a small world (three resellers, three movers), its closed month,
ground truth from `/_sandbox/holders`, and paged sweeps with `indirect_partner_id`."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from sandbox_http import Signed, parse

from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox

TODAY = date(2026, 3, 20)
MONTH = "2026-02"  # closed: its bill is final from 2026-03-05
CURRENT = "2026-03"
BALANCES = "/v2/accounts/partner-accounts/balances"
CUSTOMER_BALANCES = "/v2/accounts/customer-accounts/balances/batch-query"
ADJUSTS = "/v3/accounts/partner-accounts/adjust-records"
ISSUED = "/v2/partners/issued-coupon-quotas"
QUOTA_RECORDS = "/v2/partners/coupon-quotas/records"


def distributor_config(**overrides: Any) -> SandboxConfig:
    """Six direct customers, three resellers of three customers each, three movers; about 3 records a day."""
    settings: dict[str, Any] = {
        "seed": 11,
        "customers": 6,
        "resellers": 3,
        "customers_per_reseller": 3,
        "movers": 3,
        "records_per_day": 3,
        "first_day": date(2025, 12, 1),
        "today": TODAY,
        "rate_limit": None,
    }
    return SandboxConfig(**(settings | overrides))


def truth(box: RunningSandbox, month: str) -> dict[str, Any]:
    response = httpx.get(f"{box.url}/_sandbox/holders", params={"month": month}, timeout=30)
    assert response.status_code == 200, response.text
    return parse(response.content)


def holders(box: RunningSandbox) -> list[str | None]:
    return [None, *(r.indirect_partner_id for r in box.app.world.resellers)]


def with_holder(params: dict[str, object], holder: str | None) -> dict[str, object]:
    return params if holder is None else params | {"indirect_partner_id": holder}


def get_all(
    signed: Signed, box: RunningSandbox, path: str, key: str, holder: str | None, limit: int, **params: object
) -> list[Any]:
    """Every row of a paged GET for one holder, `limit` per page, until the announced count."""
    rows: list[Any] = []
    while True:
        query = with_holder({**params, "offset": len(rows), "limit": limit}, holder)
        response = signed(box, "GET", path, query)
        assert response.status_code == 200, response.text
        page = parse(response.content)
        rows += page[key]
        if len(rows) >= page.get("total_count", page.get("count")) or not page[key]:
            return rows


def bill_mode(charging_mode: int) -> str:
    """The monthly-sum charge_mode of a fee record's charging_mode (RI 10 under "1", inferred)."""
    return "1" if charging_mode == 10 else str(charging_mode)
