"""`pbw api call`: one signed call or a full sweep against the sandbox, JSON out, secrets never printed."""

from __future__ import annotations

import argparse
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from partner_center import cli

WORLD: dict[str, Any] = {"today": date(2026, 3, 10), "first_day": date(2026, 1, 1), "customers": 3,
                         "records_per_day": 40, "rate_limit": None, "seed": 6}


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pbw")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


@pytest.fixture
def box(sandbox_factory: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    running = sandbox_factory(**WORLD)
    for name, value in {"PBW_ENDPOINT": running.url, "HUAWEICLOUD_SDK_AK": running.ak,
                        "HUAWEICLOUD_SDK_SK": running.sk, "HUAWEICLOUD_SDK_DOMAIN_ID": running.domain_id,
                        "PBW_RATE_LIMIT": "200"}.items():
        monkeypatch.setenv(name, value)
    return running


def test_one_call_prints_the_api_json(box: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["api", "call", "sub_customers", "--param", "offset=1", "--param", "limit=2"]) == 0
    out = json.loads(capsys.readouterr().out)
    direct = [c.customer_id for c in box.app.world.customers_of(None)]
    assert out["count"] == len(direct)
    assert [c["customer_id"] for c in out["customer_infos"]] == direct[1:3]


def test_all_pages_print_every_record_exactly(box: Any, capsys: pytest.CaptureFixture[str]) -> None:
    customer = box.app.world.consumption_customers("2026-02")[0]
    code = run(["api", "call", "res_fee_records", "--all", "--param", "bill_cycle=2026-02",
                "--param", f"customer_id={customer}"])
    assert code == 0
    out = json.loads(capsys.readouterr().out, parse_float=Decimal)
    records = [r for page in out["pages"] for r in page["fee_records"]]
    assert out["fetched"] == out["api_count"] == len(records) == len({r["id"] for r in records}) > 1000
    assert len(out["pages"]) == 2
    served = {r.id: r.payment for r in box.app.world.served_records(box.app.world.customer_by_id[customer],
                                                                     "2026-02")}
    assert {r["id"]: r["payment_amount"] for r in records} == served


def test_errors_exit_2_and_never_print_the_secret(box: Any, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "a-wrong-secret-key-123")
    assert run(["api", "call", "partner_balances"]) == 2
    captured = capsys.readouterr()
    assert "APIG.0301" in captured.err
    assert "a-wrong-secret-key-123" not in captured.err + captured.out
    assert box.ak not in captured.err + captured.out
    assert run(["api", "call", "monthly_sum", "--param", "cycle=2026-02"]) == 2
    assert "monthly_sum needs charge_mode" in capsys.readouterr().err
