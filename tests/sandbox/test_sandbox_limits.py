"""Throttling (APIG.0308 past 10 req/s per source IP, API and partner) and injected faults at their rates."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import httpx
import pytest
from sandbox_http import FEES, Signed, iam_password_body

from partner_center.signing import canonical_query, sign
from sandbox.faults import FaultPlan
from sandbox.server import RunningSandbox

BALANCES = "/v2/accounts/partner-accounts/balances"
POLICIES = "/v2/products/incentive-discount-policies"
TODAY = date(2026, 3, 20)


SECOND_AK, SECOND_SK = "SANDBOXAKPBWSECOND00", "second-sk-of-the-same-partner-0123456789"


async def burst(
    box: RunningSandbox, path: str, params: dict[str, object], n: int,
    keys: tuple[tuple[str, str], ...] = (),
) -> list[httpx.Response]:
    """n signed requests sent at once, so they all land within a few milliseconds; signed in turn with each
    of `keys` (AK, SK), by default the demo AK."""
    query = canonical_query(params)
    url = f"{box.url}{path}?{query}"
    keys = keys or ((box.ak, box.sk),)
    requests = []
    for i in range(n):
        ak, sk = keys[i % len(keys)]
        headers = {"Content-Type": "application/json", "X-Domain-Id": box.domain_id}
        requests.append(headers | sign("GET", url, headers, b"", ak, sk))
    limits = httpx.Limits(max_connections=n)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        return list(await asyncio.gather(*(client.get(url, headers=h) for h in requests)))


@pytest.mark.xdist_group("timing")
def test_more_than_10_per_second_get_apig_0308_fewer_do_not(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    box = sandbox_factory(today=TODAY, rate_limit=10)
    params = {"time": "2026-02", "limit": 100}
    started = time.monotonic()
    responses = asyncio.run(burst(box, POLICIES, params, 30))
    elapsed = time.monotonic() - started
    other_api = signed(box, "POST", "/v2/partners/sub-customers/query", body={"limit": 1})
    time.sleep(1.1)
    paced = []
    with httpx.Client(timeout=10) as client:
        for _ in range(12):
            paced.append(signed(box, "GET", POLICIES, params, client=client))
            time.sleep(0.2)
    accepted = sum(r.status_code == 200 for r in responses)
    throttled = [r for r in responses if r.status_code == 429]
    assert accepted + len(throttled) == 30
    assert 10 <= accepted <= 10 + math.ceil(elapsed * 10)
    assert throttled
    assert {r.json()["error_code"] for r in throttled} == {"APIG.0308"}
    assert "ratelimit,limit:10" in throttled[0].json()["error_msg"]
    assert other_api.status_code == 200
    assert [r.status_code for r in paced] == [200] * 12
    stats = httpx.get(f"{box.url}/_sandbox/stats").json()
    assert stats["throttled"] == {POLICIES: len(throttled)}
    assert stats["requests"][POLICIES] == 42
    assert 10 <= stats["max_rps"][POLICIES] <= accepted


@pytest.mark.xdist_group("timing")
def test_two_aks_of_one_partner_share_its_10_per_second(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    box = sandbox_factory(today=TODAY, rate_limit=10, partner_keys=((SECOND_AK, SECOND_SK),))
    params = {"time": "2026-02", "limit": 100}
    both = ((box.ak, box.sk), (SECOND_AK, SECOND_SK))
    started = time.monotonic()
    responses = asyncio.run(burst(box, POLICIES, params, 30, both))
    elapsed = time.monotonic() - started
    accepted = sum(r.status_code == 200 for r in responses)
    throttled = [r for r in responses if r.status_code == 429]
    assert accepted + len(throttled) == 30
    # one bucket for the partner: 10 (+ what refills while the burst lasts), where one per AK would give 20
    assert 10 <= accepted < 20
    assert accepted <= 10 + math.ceil(elapsed * 10)
    assert {r.json()["error_code"] for r in throttled} == {"APIG.0308"}
    time.sleep(1.1)
    alone = asyncio.run(burst(box, POLICIES, params, 1, ((SECOND_AK, SECOND_SK),)))
    assert alone[0].status_code == 200  # the second AK is a valid key of the partner, not just refused
    stats = httpx.get(f"{box.url}/_sandbox/stats").json()
    assert stats["throttled"] == {POLICIES: len(throttled)}


def classify(response: httpx.Response | None, previous_ids: set[str], total: int) -> str | None:
    if response is None:
        return "reset"
    if response.status_code == 500:
        assert response.json()["error_code"] == "CBC.0999"
        return "http500"
    if response.status_code == 504:
        return "timeout"
    try:
        page = json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return "truncate"
    if page["total_count"] > total:
        return "drift"
    if {r["id"] for r in page["fee_records"]} & previous_ids:
        return "dupe"
    return None


def test_each_fault_kind_appears_at_its_rate(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    spec = "http500:0.1,timeout:0.05,reset:0.05,truncate:0.1,drift:0.05,dupe:0.1"
    box = sandbox_factory(today=TODAY, rate_limit=None, faults=spec, timeout_delay=0.02, seed=11)
    customer_id = next(c for c in box.app.world.customers if c.holder is None).customer_id
    params = {"bill_cycle": "2026-02", "customer_id": customer_id, "limit": 10}
    world = box.app.world
    customer = world.customer_by_id[customer_id]
    observed: Counter[str] = Counter()
    with httpx.Client(timeout=10) as client:
        for i in range(300):
            offset = 10 * (i % 20 + 1)
            served = world.served_records(customer, "2026-02")
            previous = {r.id for r in served[offset - 10 : offset]}
            try:
                response: httpx.Response | None = signed(
                    box, "GET", FEES, {**params, "offset": offset}, client=client
                )
            except httpx.TransportError:
                response = None
            kind = classify(response, previous, len(served))
            if kind:
                observed[kind] += 1
    plan = FaultPlan.parse(spec, 11)
    stats = httpx.get(f"{box.url}/_sandbox/stats").json()
    requests = stats["requests"][FEES]
    predicted = Counter(k for k in (plan.draw(FEES, i) for i in range(requests)) if k)
    assert stats["faults"] == dict(predicted)
    assert observed == predicted
    for kind, probability in plan.rates:
        sd = math.sqrt(requests * probability * (1 - probability))
        assert abs(observed[kind] - requests * probability) <= 4 * sd + 1, kind


def test_faults_spare_control_paths_and_tokens(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    box = sandbox_factory(today=TODAY, rate_limit=None, faults="http500:1")
    body = iam_password_body()
    assert httpx.get(f"{box.url}/_sandbox/manifest").status_code == 200
    assert httpx.post(f"{box.url}/v3/auth/tokens", json=body).status_code == 201
    assert signed(box, "GET", BALANCES).status_code == 500


@pytest.mark.parametrize(
    ("spec", "error"),
    [("http500:2", "within"), ("boom:0.1", "unknown"), ("http500:0.6,reset:0.6", "more than 1")],
    ids=["over-one", "unknown-kind", "sum-over-one"],
)
def test_bad_fault_specs_are_refused(spec: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        FaultPlan.parse(spec, 1)


def test_slow_delays_requests(sandbox_factory: Callable[..., RunningSandbox], signed: Signed) -> None:
    box = sandbox_factory(today=TODAY, rate_limit=None, faults="slow:150ms")
    started = time.monotonic()
    assert signed(box, "GET", BALANCES).status_code == 200
    assert time.monotonic() - started >= 0.15
    assert httpx.get(f"{box.url}/_sandbox/stats").json()["faults"] == {"slow": 1}
