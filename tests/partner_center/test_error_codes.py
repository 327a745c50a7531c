"""Each mapped error code, sent by the sandbox over real HTTP (`POST /_sandbox/errors`), and what the client
does with it: refresh the token once (CBC.0154), fail at once naming the fix (CBC.0155, CBC.5001 under
HTTP 200), back off without using up attempts (CBC.0250). Calls are counted by the sandbox."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest

from partner_center.client import PartnerCenterClient
from partner_center.config import Settings
from partner_center.errors import NotPartnerError, PermissionDeniedError, TokenInvalidError
from partner_center.sandbox_credentials import SANDBOX_IAM_PASSWORD, SANDBOX_IAM_USER, SANDBOX_SK
from sandbox.server import RunningSandbox

CUSTOMERS = "/v2/partners/sub-customers/query"
TOKENS = "/v3/auth/tokens"
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "throttle_backoff": (0.01, 0.02), "max_attempts": 2,
        "call_deadline": 30.0, "read_timeout": 5.0, "connect_timeout": 2.0, "rate_limit": 500.0}
WORLD: dict[str, Any] = {"customers": 3, "records_per_day": 4, "rate_limit": None,
                         "today": date(2026, 3, 10), "first_day": date(2026, 1, 1)}


def aksk(box: RunningSandbox) -> Settings:
    return Settings.for_endpoint(box.url, box.ak, box.sk, box.domain_id, **FAST)


def token(box: RunningSandbox) -> Settings:
    return Settings(endpoint=box.url, iam_endpoint=box.url, iam_user=SANDBOX_IAM_USER,
                    iam_password=SANDBOX_IAM_PASSWORD, iam_domain="sandbox-partner",
                    domain_id=box.domain_id, **FAST)


def inject(box: RunningSandbox, code: str, count: int, **extra: object) -> None:
    body = {"endpoint": CUSTOMERS, "code": code, "count": count, **extra}
    response = httpx.post(f"{box.url}/_sandbox/errors", json=body)
    assert response.status_code == 200, response.text


def customers(settings: Settings) -> tuple[Any, int]:
    """The customer list (or the error raised) and how many tokens the client fetched."""

    async def main() -> tuple[Any, int]:
        async with PartnerCenterClient(settings) as pc:
            try:
                result: Any = await pc.json("sub_customers", {"offset": 0, "limit": 10})
            except Exception as exc:
                result = exc
            return result, pc._tokens.fetches if pc._tokens else 0

    return asyncio.run(main())


def counts(box: RunningSandbox) -> tuple[int, int]:
    """API calls of the customer list and IAM token requests, as the sandbox counted them."""
    requests = httpx.get(f"{box.url}/_sandbox/stats").json()["requests"]
    return requests.get(CUSTOMERS, 0), requests.get(TOKENS, 0)


@pytest.mark.parametrize("status", [401, 400], ids=["http401", "http400"])
def test_cbc_0154_in_token_mode_refreshes_the_token_once(
    sandbox_factory: Any, status: int
) -> None:
    box = sandbox_factory(**WORLD)
    inject(box, "CBC.0154", 1, status=status)
    result, fetches = customers(token(box))
    assert result["count"] == len(box.app.world.customers_of(None))
    assert fetches == 2
    assert counts(box) == (2, 2)  # refused, token fetched again, accepted


def test_cbc_0154_twice_fails_after_one_refresh(sandbox_factory: Any) -> None:
    box = sandbox_factory(**WORLD)
    inject(box, "CBC.0154", 2)
    error, fetches = customers(token(box))
    assert isinstance(error, TokenInvalidError)
    assert counts(box) == (2, 2)
    assert fetches == 2
    assert "CBC.0154" in str(error)
    assert "even after one refresh" in str(error)
    assert "PBW_IAM_USER" in str(error)
    assert SANDBOX_IAM_PASSWORD not in str(error)


def test_cbc_0154_with_aksk_fails_at_once(sandbox_factory: Any) -> None:
    box = sandbox_factory(**WORLD)
    inject(box, "CBC.0154", 1)
    error, fetches = customers(aksk(box))
    assert isinstance(error, TokenInvalidError)
    assert counts(box) == (1, 0)
    assert fetches == 0


@pytest.mark.parametrize("mode", ["aksk", "token"])
def test_cbc_0155_is_a_permission_error_naming_the_items_and_the_account(
    sandbox_factory: Any, mode: str
) -> None:
    box = sandbox_factory(**WORLD)
    inject(box, "CBC.0155", 1)
    error, _ = customers(aksk(box) if mode == "aksk" else token(box))
    assert isinstance(error, PermissionDeniedError)
    assert counts(box)[0] == 1  # not retried
    text = str(error)
    assert "HTTP 403 CBC.0155" in text
    assert "BPC_ITEM_FINANCE_020100" in text
    assert f"of domain {box.domain_id} has no permission" in text
    assert (f"IAM user '{SANDBOX_IAM_USER}'" in text) == (mode == "token")
    assert box.ak not in text
    assert SANDBOX_SK not in text
    assert SANDBOX_IAM_PASSWORD not in text


def test_cbc_0250_backs_off_without_using_up_attempts(sandbox_factory: Any) -> None:
    box = sandbox_factory(**WORLD)
    inject(box, "CBC.0250", 3)  # HTTP 400, more answers than the 2 attempts allowed

    async def main() -> tuple[Any, int, int]:
        async with PartnerCenterClient(aksk(box)) as pc:
            result = await pc.json("sub_customers", {"offset": 0, "limit": 10})
            return result, pc.stats.throttled, pc.stats.retries

    result, throttled, retries = asyncio.run(main())
    assert result["count"] == len(box.app.world.customers_of(None))
    assert (throttled, retries) == (3, 0)
    assert counts(box)[0] == 4


def test_cbc_5001_under_http_200_is_not_a_partner(sandbox_factory: Any) -> None:
    box = sandbox_factory(**WORLD)
    inject(box, "CBC.5001", 1)
    raw = httpx.post(f"{box.url}/_sandbox/errors", json={"endpoint": "*", "code": "CBC.5001"})
    assert raw.json()["pending"][-1] == {"endpoint": "*", "code": "CBC.5001", "status": 200, "remaining": 1}
    error, _ = customers(aksk(box))
    assert isinstance(error, NotPartnerError)
    assert counts(box)[0] == 1
    assert "HTTP 200 CBC.5001" in str(error)
    assert "not a Huawei Cloud partner on this site" in str(error)
    assert "PBW_SITE" in str(error)
    result, _ = customers(aksk(box))  # the `*` injection answers the next call, then none is left
    assert isinstance(result, NotPartnerError)
    result, _ = customers(aksk(box))
    assert result["count"] == len(box.app.world.customers_of(None))


@pytest.mark.parametrize(
    ("body", "named"),
    [({"endpoint": CUSTOMERS, "code": "CBC.9999"}, "code"),
     ({"endpoint": "x", "code": "CBC.0155"}, "endpoint"),
     ({"endpoint": "*", "code": "CBC.0155", "count": 0}, "count")],
)
def test_the_control_path_refuses_what_it_cannot_queue(
    sandbox: RunningSandbox, body: dict[str, object], named: str
) -> None:
    response = httpx.post(f"{sandbox.url}/_sandbox/errors", json=body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "CBC.0100"
    assert named in response.json()["error_msg"]
    assert httpx.get(f"{sandbox.url}/_sandbox/errors").json() == {"pending": []}
