"""Settings from the environment, endpoint descriptions and the shared token bucket."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from partner_center import sandbox_credentials as demo
from partner_center.config import SITES, Settings
from partner_center.endpoints import ENDPOINTS, get_endpoint
from partner_center.errors import ConfigurationError
from partner_center.ratelimit import TokenBucket, bucket_for
from partner_center.retry import RetryPolicy

REAL = {"HUAWEICLOUD_SDK_AK": "REALAK1234567890", "HUAWEICLOUD_SDK_SK": "real-secret-key-0987654321",
        "HUAWEICLOUD_SDK_DOMAIN_ID": "dom-real"}


def test_nothing_set_means_the_sandbox_with_demo_credentials() -> None:
    s = Settings.from_env({})
    assert (s.site, s.endpoint) == ("sandbox", demo.SANDBOX_DEFAULT_URL)
    assert (s.ak, s.sk, s.domain_id) == (demo.SANDBOX_AK, demo.SANDBOX_SK, demo.SANDBOX_DOMAIN_ID)
    assert Settings.from_env({"PBW_SANDBOX_URL": "http://127.0.0.1:9999/"}).endpoint == "http://127.0.0.1:9999"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, SITES["cn"]),
        ({"PBW_SITE": "intl"}, SITES["intl"]),
        ({"PBW_SITE": "eu"}, SITES["eu"]),
        ({"PBW_SITE": "intl", "HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1": "https://sdk.example"}, "https://sdk.example"),
        ({"PBW_ENDPOINT": "https://pbw.example/", "HUAWEICLOUD_SDK_REGION_BSS_CN_NORTH_1": "https://sdk.example",
          "PBW_SITE": "eu"}, "https://pbw.example"),
    ],
    ids=["default-cn", "intl", "eu", "sdk-override-beats-site", "pbw-endpoint-beats-all"],
)
def test_endpoint_resolution_order(env: dict[str, str], expected: str) -> None:
    s = Settings.from_env({**REAL, **env})
    assert s.endpoint == expected
    assert (s.ak, s.domain_id) == (REAL["HUAWEICLOUD_SDK_AK"], "dom-real")


def test_repr_hides_secrets_and_token_mode() -> None:
    s = Settings.from_env({**REAL, "PBW_IAM_USER": "fin", "PBW_IAM_PASSWORD": "pw-secret-123",
                           "PBW_RATE_LIMIT": "4", "PBW_CONCURRENCY": "2"})
    text = repr(s) + str(s)
    for secret in ("REALAK1234567890", "real-secret-key-0987654321", "pw-secret-123"):
        assert secret not in text
    assert s.token_mode
    assert (s.rate_limit, s.concurrency) == (4.0, 2)
    assert not Settings.from_env(REAL).token_mode


def test_half_configured_credentials_fail_early() -> None:
    with pytest.raises(ConfigurationError, match="both"):
        Settings.from_env({"HUAWEICLOUD_SDK_AK": "x"})
    with pytest.raises(ConfigurationError, match="PBW_SITE"):
        Settings.from_env({**REAL, "PBW_SITE": "moon"})
    with pytest.raises(ConfigurationError, match="rate_burst"):
        Settings.from_env({}, rate_limit=2.0, rate_burst=5).validate()


def test_every_spec_endpoint_is_described() -> None:
    names = {"res_fee_records", "consume_sub_customers", "monthly_sum", "account_change_records",
             "adjust_records", "sub_customers", "indirect_partners", "customer_orders",
             "customer_order_details", "coupon_quotas", "issued_coupon_quotas", "coupon_quota_records",
             "partner_balances", "customer_balances", "incentive_policies", "partner_coupons",
             "partner_coupon_records", "refund_orders", "measure_units"}
    assert set(ENDPOINTS) == names
    fee = get_endpoint("res_fee_records")
    assert (fee.probe_limit, fee.max_limit, fee.scan, fee.key) == (1000, 100, "regex", ("id",))
    assert all(ep.path.startswith(("/v2/", "/v3/")) for ep in ENDPOINTS.values())
    assert {ep.name for ep in ENDPOINTS.values() if ep.method == "POST"} == {
        "consume_sub_customers", "sub_customers", "indirect_partners", "coupon_quotas", "customer_balances"}
    with pytest.raises(KeyError, match="known:"):
        get_endpoint("nope")


def test_token_bucket_books_slots_at_the_rate_with_the_burst() -> None:
    bucket = TokenBucket(rate=50, burst=1)
    smooth = [bucket.reserve() for _ in range(20)]
    assert all(abs(wait - i * 0.02) < 0.005 for i, wait in enumerate(smooth))
    bursty = TokenBucket(rate=50, burst=3)
    waits = [bursty.reserve() for _ in range(6)]
    assert max(waits[:3]) < 0.005
    assert all(abs(wait - (i - 2) * 0.02) < 0.005 for i, wait in enumerate(waits[3:], start=3))


def test_token_bucket_paces_concurrent_tasks() -> None:
    bucket = TokenBucket(rate=50, burst=1)

    async def task() -> None:
        for _ in range(5):
            await bucket.acquire()

    async def main() -> None:
        await asyncio.gather(*(task() for _ in range(4)))

    start = time.monotonic()
    asyncio.run(main())
    # 20 sends at 50/s: the first is immediate, the last 19 slots (0.38 s) later.
    assert time.monotonic() - start >= 19 * 0.02 * 0.95


def test_buckets_are_shared_per_api_and_penalties_delay_everyone() -> None:
    a = bucket_for("h:1/v2/x", 10, 1)
    assert bucket_for("h:1/v2/x", 10, 1) is a
    assert bucket_for("h:1/v2/y", 10, 1) is not a
    a.penalize(0.3)
    assert a.reserve() > 0.25


def test_backoff_grows_with_jitter_and_retry_after_wins() -> None:
    policy = RetryPolicy(base=0.5, cap=4.0, throttle_min=2.0, throttle_max=5.0)
    rng = random.Random(1)
    for attempt in range(1, 8):
        ceiling = min(4.0, 0.5 * 2 ** (attempt - 1))
        delays = [policy.backoff(attempt, rng) for _ in range(200)]
        assert ceiling / 2 <= min(delays) <= max(delays) <= ceiling
        assert max(delays) - min(delays) > ceiling / 4  # jittered, not fixed
    assert policy.throttle_delay("7") == 7.0
    throttle = [policy.throttle_delay(None, rng) for _ in range(200)]
    assert 2.0 <= min(throttle) <= max(throttle) <= 5.0
    assert policy.throttle_delay("soon", rng) >= 2.0
