"""The sandbox's payout applications agree with its ledger: each completed (已完成) application equals the
SOURCE_OPERAIION_RECHARGE_REBATE top-up carrying its bill id, nothing else is topped up; the scenario's one
break is exactly the manifest's R11 finding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from test_sandbox_cli import sandbox_cli

from sandbox import catalog as cat
from sandbox.exports import payout_export_bytes, payout_rows
from sandbox.model import WorldConfig
from sandbox.server import RunningSandbox
from sandbox.world import World

TODAY = date(2026, 11, 10)


def _world(**kwargs: object) -> World:
    config = WorldConfig(seed=3, customers=8, first_day=date(2026, 5, 1), **kwargs)  # type: ignore[arg-type]
    return World(config, today=TODAY)


def _topups(world: World) -> dict[str, tuple[Decimal, date]]:
    out: dict[str, tuple[Decimal, date]] = {}
    for cycle in ("2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"):
        for t in world.month_transactions(None, "BALANCE_TYPE_DEBIT", cycle):
            if t.trade_detail_type == cat.TD_REBATE and t.trade_date <= world.last_day:
                assert t.trade_id not in out
                out[t.trade_id] = (t.change_amount, t.trade_date)
    return out


def test_completed_applications_are_the_rebate_top_ups() -> None:
    world = _world()
    apps = world.payout_applications()
    completed = {a.incentive_bill_id: a for a in apps if a.status[0] == "已完成"}
    topups = _topups(world)
    assert {bill: amount for bill, (amount, _) in topups.items()} == {
        bill: a.amount for bill, a in completed.items()
    }
    assert {a.period for a in completed.values()} == {"2026-05", "2026-06", "2026-07", "2026-08"}
    for bill, app in completed.items():
        assert app.amount == world.incentive_bill_total(app.period) > 0
        assert topups[bill][1] == date.fromisoformat(f"{app.period}-15").replace(
            month=(int(app.period[5:]) + 1) % 12 + 1
        )
    assert {a.status[0] for a in apps if a.incentive_bill_id not in completed} == {"审核中", "已驳回"}
    header, *rows = payout_rows(world, "en")
    assert header == ["Application No.", "Reconciliation Period", "Applied Amount", "Status",
                      "Application Time", "Incentive Bill ID"]
    assert len(rows) == len(apps)
    assert payout_export_bytes(world, "xlsx") == payout_export_bytes(_world(), "xlsx")  # deterministic


def test_scenario_break_is_the_manifest_finding() -> None:
    world = _world(scenarios=frozenset({"reconciliation"}))
    assert world.picks is not None
    (finding,) = [f for f in world.picks.findings if f.rule == "R11"]
    apps = {a.application_no: a for a in world.payout_applications()}
    app = apps[finding.keys["application_no"]]
    top_up, _ = _topups(world)[app.incentive_bill_id]
    assert app.status[0] == "已完成"
    assert (finding.left, finding.right) == (app.amount, top_up)
    assert app.amount - top_up == Decimal("6.66")
    assert app.period == "2026-08"


def test_cli_exports_the_running_worlds_payouts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sandbox_factory: Callable[..., RunningSandbox]
) -> None:
    box = sandbox_factory(seed=9, today=TODAY, rate_limit=None, customers=8, scenario="reconciliation")
    out = tmp_path / "payouts.csv"
    args = ("export", "payouts", "--url", box.url, "--format", "csv", "--out", str(out))
    code, err = sandbox_cli(capsys, *args)
    assert code == 0, err
    assert out.read_bytes() == payout_export_bytes(box.app.world, "csv", "zh")
    assert box.app.world.picks is not None
    gap = next(f.to_json() for f in box.app.world.picks.findings if f.rule == "R11")
    keys = gap["keys"]
    assert isinstance(keys, dict)
    assert f"{keys['application_no']},2026-08,{gap['left']},已完成" in out.read_text("utf-8-sig")
