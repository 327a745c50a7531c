"""`pbw sandbox serve` in its own process, and the console exports read back with polars."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import polars as pl
import pytest
from sandbox_http import CHANGES, Signed

from sandbox.cli import register
from sandbox.exports import incentive_export_bytes
from sandbox.server import RunningSandbox

ROOT = Path(__file__).resolve().parents[2]


def sandbox_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run `pbw sandbox ...` in-process through the same `register` the `pbw` parser composes."""
    parser = argparse.ArgumentParser(prog="pbw")
    register(parser.add_subparsers(dest="command", required=True))
    namespace = parser.parse_args(["sandbox", *args])
    code = namespace.func(namespace)
    return code, capsys.readouterr().err


def test_serve_on_port_0_prints_exports_that_answer_and_stops_on_sigterm(signed: Signed) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--seed",
            "3",
            "--customers",
            "4",
            "--today",
            "2026-03-20",
            "--rate-limit",
            "off",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(4)]
        exports = dict(line.removeprefix("export ").split("=", 1) for line in lines)
        assert all(line.startswith("export ") for line in lines)
        assert set(exports) == {
            "HUAWEICLOUD_SDK_AK",
            "HUAWEICLOUD_SDK_SK",
            "HUAWEICLOUD_SDK_DOMAIN_ID",
            "PBW_ENDPOINT",
        }
        url = exports["PBW_ENDPOINT"]
        assert url.startswith("http://127.0.0.1:")
        assert not url.endswith(":0")
        clock = httpx.get(f"{url}/_sandbox/clock", timeout=10).json()
        assert clock == {"today": "2026-03-20", "last_day": "2026-03-19"}
        box = RunningSandbox(
            url=url,
            config=None,
            app=None,
            ak=exports["HUAWEICLOUD_SDK_AK"],  # type: ignore[arg-type]
            sk=exports["HUAWEICLOUD_SDK_SK"],
            domain_id=exports["HUAWEICLOUD_SDK_DOMAIN_ID"],
        )
        customers = signed(box, "POST", "/v2/partners/sub-customers/query", body={"limit": 100}).json()
        assert customers["count"] == 4
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=15)  # waits, and closes its pipes
    assert process.returncode == 0


@pytest.mark.parametrize(("fmt", "lang"), [("csv", "en"), ("xlsx", "zh")], ids=["csv-en", "xlsx-zh"])
def test_incentive_export_totals_match_the_rebate_top_ups(
    fmt: str,
    lang: str,
    tmp_path: Path,
    signed: Signed,
    sandbox_factory: Callable[..., RunningSandbox],
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / f"incentives.{fmt}"
    code, err = sandbox_cli(
        capsys,
        "export",
        "incentives",
        "--month",
        "2026-01",
        "--format",
        fmt,
        "--lang",
        lang,
        "--out",
        str(out),
        "--seed",
        "5",
        "--today",
        "2026-03-20",
    )
    assert code == 0, err
    if fmt == "csv":
        frame = pl.read_csv(out, infer_schema=False)
        amounts = [Decimal(v) for v in frame["Incentive Amount"]]
        bills, status = set(frame["Incentive Bill ID"]), set(frame["Status"])
        assert status == {"Completed"}
    else:
        frame = pl.read_excel(out)
        amounts = [Decimal(str(v)).quantize(Decimal("0.01")) for v in frame["激励金额"]]
        bills, status = set(frame["激励账单ID"]), set(frame["状态"])
        assert status == {"已完成"}
        assert frame.columns[:3] == ["激励账单ID", "激励数据ID", "年份"]
        assert len(frame.columns) == 17
    assert len(amounts) > 5
    assert len(bills) == 1
    box = sandbox_factory(seed=5, today=date(2026, 3, 20), rate_limit=None)
    topups = [
        tx
        for tx in signed(
            box,
            "GET",
            CHANGES,
            {
                "balance_type": "BALANCE_TYPE_DEBIT",
                "trade_type": "RECHARGE",
                "limit": 100,
                "trade_time_begin": "2026-03-01",
                "trade_time_end": "2026-03-19",
            },
        ).json()["records"]
        if tx["trade_detail_type"] == "SOURCE_OPERAIION_RECHARGE_REBATE"
    ]
    assert [tx["trade_id"] for tx in topups] == sorted(bills)
    assert Decimal(topups[0]["change_amount"]) == sum(amounts)
    assert topups[0]["trade_time"] == "2026-03-15T02:00:00Z"


def test_unpaid_month_exports_pending_and_unfinished_month_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "feb.csv"
    code, err = sandbox_cli(
        capsys,
        "export",
        "incentives",
        "--month",
        "2026-02",
        "--format",
        "csv",
        "--lang",
        "zh",
        "--out",
        str(out),
        "--today",
        "2026-03-20",
    )
    assert code == 0, err
    assert set(pl.read_csv(out, infer_schema=False)["状态"]) == {"待申付"}
    code, err = sandbox_cli(
        capsys,
        "export",
        "incentives",
        "--month",
        "2026-03",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "mar.csv"),
        "--today",
        "2026-03-20",
    )
    assert code == 2
    assert "published" in err
    assert not (tmp_path / "mar.csv").exists()


def test_plan_export_matches_the_world(
    tmp_path: Path, sandbox: RunningSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plans.csv"
    assert sandbox_cli(capsys, "export", "plans", "--out", str(out))[0] == 0
    rows = pl.read_csv(out, infer_schema=False).to_dicts()
    assert rows == httpx.get(f"{sandbox.url}/_sandbox/world").json()["plans"]


def test_export_from_a_running_sandbox_is_that_worlds_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sandbox_factory: Callable[..., RunningSandbox]
) -> None:
    box = sandbox_factory(seed=9, today=date(2026, 3, 20), rate_limit=None, scenario="reconciliation")
    out = tmp_path / "from-url.xlsx"
    code, err = sandbox_cli(
        capsys, "export", "incentives", "--month", "2026-02", "--url", box.url, "--out", str(out)
    )
    assert code == 0, err
    local = tmp_path / "local.xlsx"
    code, err = sandbox_cli(
        capsys,
        "export",
        "incentives",
        "--month",
        "2026-02",
        "--out",
        str(local),
        "--seed",
        "9",
        "--today",
        "2026-03-20",
    )
    assert code == 0, err
    assert out.read_bytes() == incentive_export_bytes(box.app.world, "2026-02", "xlsx", "zh")
    assert out.read_bytes() != local.read_bytes(), "the running world carries the scenario's wrong rate"
    code, err = sandbox_cli(
        capsys,
        "export",
        "incentives",
        "--month",
        "2026-03",
        "--url",
        box.url,
        "--out",
        str(tmp_path / "early.xlsx"),
    )
    assert code == 2
    assert "published" in err
