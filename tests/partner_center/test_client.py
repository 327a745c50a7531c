"""The client against the sandbox over real HTTP: sweeps, probes, faults, typed errors."""

from __future__ import annotations

import asyncio
import gc
import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from partner_center.client import PartnerCenterClient, sweep_all, sweep_many, sweep_stats
from partner_center.config import Settings
from partner_center.endpoints import ENDPOINTS
from partner_center.errors import (
    AccessDeniedError,
    AuthenticationError,
    InvalidParameterError,
    RetriesExhaustedError,
)
from partner_center.paging import PageScanner, Sweep
from partner_center.retry import TransientError
from sandbox.routes import ROUTES
from sandbox.server import RunningSandbox

TODAY = date(2026, 3, 10)
CYCLE = "2026-02"
FAULTS = "http500:0.1,timeout:0.05,reset:0.05,truncate:0.05,drift:0.05,dupe:0.05"
# Unthrottled sandboxes: the client may go fast; back-offs are short so faults cost milliseconds.
FAST = {"backoff_base": 0.01, "backoff_cap": 0.05, "throttle_backoff": (0.05, 0.1), "max_attempts": 10,
        "call_deadline": 60.0, "read_timeout": 5.0, "connect_timeout": 2.0, "rate_limit": 500.0}


# Small worlds that start close to TODAY keep each sandbox cheap to compute.
WORLD: dict[str, Any] = {"customers": 3, "records_per_day": 40, "rate_limit": None, "today": TODAY,
                         "first_day": date(2026, 1, 1)}
# Endpoints the sandbox serves (it may not model every API yet).
SERVED = {e.name for e in ENDPOINTS.values() if (e.method, e.path) in ROUTES}


def settings_for(box: RunningSandbox, **overrides: Any) -> Settings:
    return Settings.for_endpoint(box.url, box.ak, box.sk, box.domain_id, **{**FAST, **overrides})


def records_of(sweep: Sweep) -> dict[str, Any]:
    """Records by key, parsed independently of the client (exact decimals)."""
    endpoint = ENDPOINTS[sweep.endpoint]
    out: dict[str, Any] = {}
    for raw in sweep.read_pages():
        data = json.loads(raw, parse_float=Decimal)
        for record in data.get(endpoint.list_key) or []:
            key = "|".join("" if record.get(k) is None else str(record.get(k)) for k in endpoint.key)
            assert key not in out, f"{sweep.endpoint}: {key} twice"
            out[key] = record
    return out


async def requests_for(pc: PartnerCenterClient, customers: int) -> list[tuple[str, dict[str, Any]]]:
    """One request per endpoint (fee records for a few customers), built from what the sandbox lists."""
    consuming = await pc.json("consume_sub_customers", {"bill_cycle": CYCLE, "offset": 0, "limit": 100})
    ids = [c["customer_id"] for c in consuming["sub_customers"]][:customers]
    orders = (await pc.json("customer_orders", {"offset": 0, "limit": 1}))["order_infos"]
    refunded: list[str] = []  # a refund fee record's trade_id is its refund order
    for customer_id in ids:
        for kind in (4, 20, 24):
            page = await pc.json("res_fee_records", {"bill_cycle": CYCLE, "customer_id": customer_id,
                                                     "bill_detail_type": kind, "offset": 0, "limit": 1})
            refunded += [r["trade_id"] for r in page["fee_records"]]
    refunded = refunded[:1]
    out: list[tuple[str, dict[str, Any]]] = [
        ("consume_sub_customers", {"bill_cycle": CYCLE}),
        ("monthly_sum", {"cycle": CYCLE, "charge_mode": "1"}),
        ("monthly_sum", {"cycle": CYCLE, "charge_mode": "3"}),
        ("adjust_records", {}),
        ("account_change_records", {"balance_type": "BALANCE_TYPE_DEBIT", "trade_time_begin": "2026-02-01",
                                    "trade_time_end": "2026-02-28"}),
        ("sub_customers", {}),
        ("indirect_partners", {}),
        ("customer_orders", {}),
        *[("customer_order_details", {"order_id": o["order_id"]}) for o in orders],
        ("coupon_quotas", {}),
        ("issued_coupon_quotas", {}),
        ("coupon_quota_records", {}),
        ("partner_balances", {}),
        ("customer_balances", {"customer_infos": [{"customer_id": i} for i in ids]}),
        ("incentive_policies", {"time": CYCLE}),
        ("partner_coupons", {}),
        ("partner_coupon_records", {}),
        ("measure_units", {}),
        *[("refund_orders", {"order_id": o}) for o in refunded],
    ]
    out += [("res_fee_records", {"bill_cycle": CYCLE, "customer_id": i}) for i in ids]
    return [(name, params) for name, params in out if name in SERVED]


def test_every_endpoint_sweeps_completely_with_the_largest_page(sandbox_factory: Any, tmp_path: Path) -> None:
    box = sandbox_factory(**{**WORLD, "seed": 5})

    async def main() -> tuple[list[Sweep], dict[str, int | None]]:
        async with PartnerCenterClient(settings_for(box)) as pc:
            requests = await requests_for(pc, customers=2)
            sweeps = [await pc.sweep(name, params, tmp_path) for name, params in requests]
            return sweeps, {name: pc.page_limit(name) for name in ("res_fee_records", "coupon_quotas")}

    sweeps, limits = asyncio.run(main())
    assert {s.endpoint for s in sweeps} == SERVED
    assert {"res_fee_records", "monthly_sum", "account_change_records", "sub_customers"} <= SERVED
    for sweep in sweeps:
        records = records_of(sweep)
        assert sweep.fetched == sweep.api_count == len(records) > 0, sweep.endpoint
        assert sweep.duplicates == []
        if sweep.ids is not None:
            assert sorted(sweep.ids) == sorted(records), sweep.endpoint
    fee = [s for s in sweeps if s.endpoint == "res_fee_records"]
    # ~1100 records a month: the probed limit 1000 is accepted, so two pages, two calls.
    assert all(s.api_count > 1000 and len(s.page_files) == 2 and s.calls == 2 for s in fee)
    # coupon-quotas rejects 1000 with CBC.0100: fall back to 100 and remember it.
    assert limits == {"res_fee_records": 1000, "coupon_quotas": 100}
    assert box.app.stats.requests["/v2/partners/coupon-quotas/query"] == 2


@pytest.mark.parametrize("seed", range(20), ids=lambda s: f"seed{s}")
def test_faulty_sweeps_return_exactly_the_fault_free_records(seed: int, sandbox_factory: Any,
                                                             tmp_path: Path) -> None:
    world = {**WORLD, "seed": seed}
    clean_box = sandbox_factory(**world)
    # The sandbox answers its timeout fault with a 504 after 0.2 s here; the client-side read timeout
    # has its own test below (a 5 s hold per fault would make 20 seeds slow).
    faulty_box = sandbox_factory(**world, faults=FAULTS, timeout_delay=0.2)

    async def sweep_all_of(box: RunningSandbox, requests: list[tuple[str, dict[str, Any]]] | None,
                           spool: Path) -> tuple[list[tuple[str, dict[str, Any]]], list[Sweep]]:
        settings = settings_for(box, concurrency=4)
        async with PartnerCenterClient(settings) as pc:
            requests = requests or await requests_for(pc, customers=2)
            # Fee records last: a drift fault adds a (free) record that other answers could reflect.
            others = [r for r in requests if r[0] != "res_fee_records"]
            fees = [r for r in requests if r[0] == "res_fee_records"]
            first = await sweep_all(settings, others, spool, client=pc)
            return others + fees, first + await sweep_all(settings, fees, spool, client=pc)

    requests, clean = asyncio.run(sweep_all_of(clean_box, None, tmp_path / "clean"))
    _, faulty = asyncio.run(sweep_all_of(faulty_box, requests, tmp_path / "faulty"))
    drift_ids = {r.id for recs in faulty_box.app.world.drift_records.values() for r in recs}
    for want, got in zip(clean, faulty, strict=True):
        expected, actual = records_of(want), records_of(got)
        extra = set(actual) - set(expected)
        assert extra <= drift_ids, got.endpoint
        assert {k: actual[k] for k in expected} == expected, got.endpoint
        assert got.fetched == got.api_count == len(actual)
        assert got.duplicates == []
    injected = faulty_box.app.stats.faults
    assert sum(injected.values()) > 0
    retries = sum(s.retries for s in faulty)
    assert retries + sum(s.resweeps for s in faulty) >= injected["http500"] + injected["truncate"]


def test_timeouts_and_resets_are_retried_and_counted(sandbox_factory: Any, tmp_path: Path) -> None:
    box = sandbox_factory(**{**WORLD, "seed": 2}, faults="timeout:0.3,reset:0.3", timeout_delay=2.0)
    settings = settings_for(box, read_timeout=0.3, rate_limit=10.0)

    async def main() -> Sweep:
        async with PartnerCenterClient(settings) as pc:
            return await pc.sweep("sub_customers", {}, tmp_path)

    sweeps = [asyncio.run(main()) for _ in range(4)]
    faults = box.app.stats.faults
    assert faults["timeout"] + faults["reset"] > 0
    assert sum(s.retries for s in sweeps) == faults["timeout"] + faults["reset"]
    assert sum(s.calls for s in sweeps) == sum(box.app.stats.requests.values())
    direct = len(box.app.world.customers_of(None))
    assert all(s.fetched == s.api_count == direct for s in sweeps)


def test_a_persistent_duplicate_is_reported_not_hidden(sandbox_factory: Any, tmp_path: Path) -> None:
    box = sandbox_factory(seed=42, rate_limit=None, scenario="reconciliation", today=TODAY)
    manifest_finding = None

    async def main() -> list[Sweep]:
        nonlocal manifest_finding
        async with PartnerCenterClient(settings_for(box)) as pc:
            month = box.app.world.picks.month
            findings = box.app.world.manifest()["findings"]
            manifest_finding = next(f for f in findings if f["kind"] == "duplicate_record")
            consuming = await pc.json("consume_sub_customers", {"bill_cycle": month, "limit": 100})
            requests = [("res_fee_records", {"bill_cycle": month, "customer_id": c["customer_id"]})
                        for c in consuming["sub_customers"]]
            return await sweep_all(pc.settings, requests, tmp_path, client=pc)

    sweeps = asyncio.run(main())
    flagged = [s for s in sweeps if s.duplicates]
    assert manifest_finding is not None
    assert [s.duplicates for s in flagged] == [[manifest_finding["keys"]["id"]]]
    sweep = flagged[0]
    assert sweep.fetched == sweep.api_count  # the API counts the repeated row too
    assert not sweep.consistent
    assert sweep.resweeps == 1  # the same duplicate at the same place twice: persistent, stop
    assert all(s.consistent for s in sweeps if s is not sweep)


def test_non_retryable_errors_are_typed_and_say_what_to_do(sandbox_factory: Any) -> None:
    box = sandbox_factory(**{**WORLD, "seed": 3})

    async def call(settings: Settings, endpoint: str, params: dict[str, Any]) -> bytes:
        async with PartnerCenterClient(settings) as pc:
            return await pc.call(endpoint, params)

    with pytest.raises(InvalidParameterError) as info:
        asyncio.run(call(settings_for(box), "monthly_sum", {"cycle": "2026-13", "charge_mode": "3"}))
    assert "monthly_sum" in str(info.value)
    assert "2026-13" in str(info.value)
    assert "CBC.0100" in str(info.value)
    with pytest.raises(AuthenticationError) as auth:
        asyncio.run(call(replace(settings_for(box), sk="wrong-secret-key"), "sub_customers", {}))
    assert "locked for 5 minutes" in str(auth.value)
    with pytest.raises(AccessDeniedError):
        asyncio.run(call(replace(settings_for(box), domain_id="someone-else"), "sub_customers", {}))
    requests_before = sum(box.app.stats.requests.values())
    assert requests_before == 3  # none of them was retried


def test_retries_stop_at_the_attempt_budget(sandbox_factory: Any) -> None:
    box = sandbox_factory(**{**WORLD, "seed": 3}, faults="http500:1")

    async def call() -> bytes:
        async with PartnerCenterClient(settings_for(box, max_attempts=4)) as pc:
            return await pc.call("sub_customers", {})

    with pytest.raises(RetriesExhaustedError, match="after 4 attempts") as info:
        asyncio.run(call())
    assert "CBC.0999" in str(info.value)
    assert box.app.stats.requests["/v2/partners/sub-customers/query"] == 4


def test_sweep_many_runs_concurrently_and_reports_stats(sandbox_factory: Any, tmp_path: Path) -> None:
    box = sandbox_factory(**{**WORLD, "seed": 8, "customers": 6})
    settings = settings_for(box, concurrency=3)
    customers = [c["customer_id"] for c in box.app.world.describe()["customers"]
                 if c["indirect_partner_id"] is None]
    requests = [("res_fee_records", {"bill_cycle": CYCLE, "customer_id": c}) for c in customers]
    sweeps = sweep_many(settings, requests, tmp_path)
    assert [s.params["customer_id"] for s in sweeps] == customers
    stats = sweep_stats(sweeps)
    assert stats["api_calls"] == sum(box.app.stats.requests.values())
    assert stats["rows_fetched"] == stats["api_count"] == sum(len(records_of(s)) for s in sweeps)
    files = [p for s in sweeps for p in s.page_files]
    assert all(p.exists() for p in files)
    for sweep in sweeps:
        sweep.cleanup()
    assert not any(p.exists() for p in files)


def test_token_mode_fetches_one_token_and_reuses_it(sandbox_factory: Any) -> None:
    box = sandbox_factory(**{**WORLD, "seed": 3})
    settings = Settings(endpoint=box.url, iam_endpoint=box.url, iam_user="sandbox-finance",
                        iam_password="sandbox-password-not-a-secret", iam_domain="sandbox-partner",
                        domain_id=box.domain_id, **FAST)

    async def main() -> tuple[Any, Any, int]:
        async with PartnerCenterClient(settings) as pc:
            first = await pc.json("sub_customers", {"offset": 0, "limit": 10})
            second = await pc.json("indirect_partners", {"offset": 0, "limit": 10})
            assert pc._tokens is not None
            return first, second, pc._tokens.fetches

    first, second, fetches = asyncio.run(main())
    assert (first["count"], fetches) == (len(box.app.world.customers_of(None)), 1)
    assert second["count"] == len(box.app.world.resellers)
    assert box.app.stats.requests["/v3/auth/tokens"] == 1
    # A token closer to expiry than the refresh margin is replaced before use.
    settings = replace(settings, token_refresh_margin=48 * 3600.0)
    _, _, fetches = asyncio.run(main())
    assert fetches == 2
    assert box.app.stats.requests["/v3/auth/tokens"] == 3


def test_page_scan_matches_a_full_parse_and_rejects_truncated_pages() -> None:
    scanner = PageScanner(ENDPOINTS["res_fee_records"])
    records = [{"id": "plain", "resource_name": '{"id":"fake"}', "payment_amount": Decimal("0.07")},
               {"id": 'quo"ted\\', "x": [1, {"y": 2}]}, {"id": 12345}, {"id": ""}, {"id": "中文"}]
    page = orjson.dumps({"total_count": 9, "fee_records": records, "currency": "CNY"},
                        default=lambda d: orjson.Fragment(str(d).encode()))
    scanned = scanner.scan(page)
    assert (scanned.count, scanned.records) == (9, len(records))
    assert scanned.ids == [str(r["id"]) for r in records]
    pretty = json.dumps(json.loads(page), indent=2, ensure_ascii=False).encode()
    assert scanner.scan(pretty) == scanned
    for cut in (len(page) // 2, len(page) - 1, page.rindex(b"}", 0, len(page) - 5) + 1):
        with pytest.raises(TransientError):
            scanner.scan(page[:cut])


def test_sweep_many_raises_the_typed_error_and_leaves_no_files(sandbox_factory: Any, tmp_path: Path) -> None:
    box = sandbox_factory(**{**WORLD, "seed": 8})
    customers = box.app.world.consumption_customers(CYCLE)
    requests: list[tuple[str, dict[str, Any]]] = [
        ("res_fee_records", {"bill_cycle": CYCLE, "customer_id": c}) for c in customers]
    requests.append(("monthly_sum", {"cycle": "2026-13", "charge_mode": "3"}))
    with pytest.raises(InvalidParameterError, match="2026-13"):
        sweep_many(settings_for(box, concurrency=2), requests, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_page_bodies_are_freed_without_waiting_for_the_garbage_collector(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """A response and its stream refer to each other; unbroken, every page body waits for a full GC (B3)."""
    cycle = (sandbox.app.world.today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    gc.collect()
    gc.disable()
    try:
        lookup = [("consume_sub_customers", {"bill_cycle": cycle})]
        (who,) = sweep_many(settings_for(sandbox), lookup, tmp_path)
        requests = [("res_fee_records", {"bill_cycle": cycle, "customer_id": c}) for c in (who.ids or [])[:3]]
        sweeps = sweep_many(settings_for(sandbox), requests, tmp_path)
        alive = sum(isinstance(o, httpx.Response) for o in gc.get_objects())
    finally:
        gc.enable()
    assert sum(s.calls for s in sweeps) >= 3
    assert alive == 0
