"""The sandbox's caches change speed, never bytes: a tiny record cache and warm-up give the same answers."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sandbox_http import CHANGES, FEES, SUMS, Signed, parse, sweep

from sandbox.cli import register
from sandbox.server import RunningSandbox

TODAY = date(2026, 3, 20)
CONSUMING = FEES + "/sub-customers/query"
TINY = 300  # records: about one customer-month at 8 records a day, so every other request evicts


def world_customers(box: RunningSandbox) -> list[dict[str, Any]]:
    return httpx.get(f"{box.url}/_sandbox/world", timeout=30).json()["customers"]


def responses(signed: Signed, box: RunningSandbox) -> list[bytes]:
    """Whole-customer and per-customer answers, interleaved across cycles so a small cache must evict."""
    customers = world_customers(box)
    direct = [c["customer_id"] for c in customers if c["indirect_partner_id"] is None][:4]
    bodies: list[bytes] = []
    for cycle in ("2026-01", "2026-02", "2026-01"):
        for customer_id in direct:
            bodies.append(
                signed(
                    box, "GET", FEES, {"bill_cycle": cycle, "customer_id": customer_id, "limit": 1000}
                ).content
            )
            bodies.append(
                signed(
                    box,
                    "GET",
                    FEES,
                    {"bill_cycle": cycle, "customer_id": customer_id, "offset": 7, "limit": 50},
                ).content
            )
        bodies.append(signed(box, "POST", CONSUMING, body={"bill_cycle": cycle, "limit": 100}).content)
        for offset in (0, 100):
            bodies.append(
                signed(
                    box, "GET", SUMS, {"cycle": cycle, "charge_mode": "3", "offset": offset, "limit": 100}
                ).content
            )
        bodies.append(
            signed(
                box,
                "GET",
                CHANGES,
                {
                    "balance_type": "BALANCE_TYPE_DEBIT",
                    "trade_time_begin": f"{cycle}-01",
                    "trade_time_end": f"{cycle}-28",
                    "limit": 100,
                },
            ).content
        )
    return bodies


def test_a_tiny_record_cache_serves_the_same_bytes(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    tiny = sandbox_factory(seed=7, today=TODAY, rate_limit=None, cache_records=TINY)
    large = sandbox_factory(seed=7, today=TODAY, rate_limit=None)
    tiny_bodies, large_bodies = responses(signed, tiny), responses(signed, large)
    assert tiny_bodies == large_bodies
    assert len(parse(tiny_bodies[0])["fee_records"]) > 100
    assert 0 < tiny.app.world.cached_records <= TINY
    assert large.app.world.cached_records > 10 * TINY


def test_warm_generates_every_customers_month_and_changes_no_byte(
    sandbox_factory: Callable[..., RunningSandbox], signed: Signed
) -> None:
    cold = sandbox_factory(seed=11, today=TODAY, rate_limit=None)
    warm = sandbox_factory(seed=11, today=TODAY, rate_limit=None, warm=("2026-02",))
    again = httpx.post(f"{warm.url}/_sandbox/warm", json={"month": "2026-02"}, timeout=60).json()
    served = 0
    for customer in world_customers(warm):
        params = {"bill_cycle": "2026-02", "customer_id": customer["customer_id"]}
        if customer["indirect_partner_id"]:
            params["indirect_partner_id"] = customer["indirect_partner_id"]
        rows = sweep(signed, warm, FEES, "fee_records", 1000, **params)
        assert rows == sweep(signed, cold, FEES, "fee_records", 1000, **params)
        served += len(rows)
    assert again["month"] == "2026-02"
    assert again["served_records"] == served > 1000
    assert again["cached_records"] >= served
    assert responses(signed, warm) == responses(signed, cold)


def test_warm_refuses_a_bad_month(sandbox: RunningSandbox) -> None:
    response = httpx.post(f"{sandbox.url}/_sandbox/warm", json={"month": "2026-13"}, timeout=30)
    assert response.status_code == 400
    assert response.json()["error_code"] == "CBC.0100"


@pytest.mark.parametrize(
    ("args", "error"),
    [(("--cache-records", "0"), "--cache-records"), (("--warm", "2026-2"), "--warm 2026-2")],
)
def test_serve_refuses_bad_cache_and_warm_options(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], error: str
) -> None:
    parser = argparse.ArgumentParser(prog="pbw")
    register(parser.add_subparsers(dest="command", required=True))
    namespace = parser.parse_args(["sandbox", "serve", "--port", "0", *args])
    assert namespace.func(namespace) == 2
    assert error in capsys.readouterr().err
