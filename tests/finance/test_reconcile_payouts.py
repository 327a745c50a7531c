"""R11 (completed payout applications = rebate top-ups) and R4's `r4_paid_from`, on a real DuckDB warehouse
migrated by the project's migrations; amounts come from the synthetic world's rows, never from an output."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from recon_world import (
    MONTH,
    NEXT_MONTH_DAY,
    PLAN_RATES,
    PRODUCT_POLICIES,
    World,
    add_transaction,
    build_world,
)
from recon_world import open_warehouse as _open

from finance.reconciliation.engine import reconcile_month
from finance.reconciliation.settings import ReconciliationSettings
from finance.toml_config import ConfigError

APRIL = "2026-04"  # the top-ups of March's bills are dated 2026-04-12
REBATE = "SOURCE_OPERAIION_RECHARGE_REBATE"
R11 = ReconciliationSettings(rules=("R11",), plan_rates=PLAN_RATES, product_policies=PRODUCT_POLICIES)


def _topup(world: World, change_id: str) -> Decimal:
    rows = world.tables["billing.account_transactions"]
    return Decimal(next(r["change_amount"] for r in rows if r["account_change_id"] == change_id))


def _apply(world: World, number: str, bills: str, amount: Decimal, status: str, day: str) -> None:
    world.add(
        "billing.incentive_payout_applications",
        application_no=number,
        incentive_period=MONTH,
        applied_amount=amount,
        status=status,
        status_raw={"paid": "已完成", "reviewing": "审核中", "rejected": "已驳回"}[status],
        applied_at=f"{day} 10:00:00",
        incentive_bill_ids=bills,
        source_file="payouts.xlsx",
        file_sha256="0" * 64,
    )


def _world() -> World:
    """March's world; AP1 names bill IB1 (its top-up carries IB1), AP3 names IB3 (its top-up carries a payout
    reference, so only amount and date match it); a rejected and a reviewing application around them."""
    world = build_world()
    _apply(world, "AP1", "IB1", _topup(world, "RB1"), "paid", "2026-04-05")
    _apply(world, "AP3", "IB3", _topup(world, "RB3"), "paid", "2026-04-02")
    _apply(world, "AP3R", "IB3", _topup(world, "RB3"), "rejected", "2026-04-01")
    _apply(world, "AP2", "IB2", Decimal("99.00"), "reviewing", "2026-04-06")
    return world


def _run(con: duckdb.DuckDBPyConnection, month: str, settings: ReconciliationSettings) -> pl.DataFrame:
    return reconcile_month(con, month, settings).findings.sort("keys")


def _ran(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The rules the latest run recorded (the report lists them with the settings)."""
    latest = "SELECT rules FROM marts.reconciliation_runs ORDER BY started_at_utc DESC LIMIT 1"
    row = con.execute(latest).fetchone()
    return list(json.loads(row[0])) if row else []


def _rows(found: pl.DataFrame) -> list[tuple[Any, ...]]:
    return [
        (json.loads(k), s, left, right)
        for k, s, left, right in found.select("keys", "status", "left_amount", "right_amount").iter_rows()
    ]


def test_completed_applications_match_their_top_ups(tmp_path: Path) -> None:
    con = _open(tmp_path / "w.duckdb")
    world = _world()
    world.load(con)
    found = _run(con, APRIL, R11)
    rb1, rb3 = _topup(world, "RB1"), _topup(world, "RB3")
    assert _rows(found) == [
        ({"application_no": "AP1"}, "matched", rb1, rb1),
        ({"application_no": "AP3"}, "matched", rb3, rb3),
    ]
    assert found["detail"].to_list() == [
        "1 top-up(s) matched by trade_id",
        "1 top-up(s) matched by amount and date window",
    ]
    assert set(found["rule"]) == {"R11"}
    rules, settings = con.execute(
        "SELECT rules, settings FROM marts.reconciliation_runs ORDER BY started_at_utc DESC LIMIT 1"
    ).fetchone() or ("", "")
    assert json.loads(rules) == ["R11"]
    assert json.loads(settings)["r11_match"] == "application"
    assert _run(con, MONTH, R11).is_empty()  # nothing completed or topped up in March itself


def test_breaks_are_each_one_finding(tmp_path: Path) -> None:
    con = _open(tmp_path / "w.duckdb")
    world = _world()
    gap = Decimal("6.66")
    next(r for r in world.tables["billing.incentive_payout_applications"] if r["application_no"] == "AP1")[
        "applied_amount"
    ] += gap
    _apply(world, "AP4", "IB4", Decimal("50.00"), "paid", "2026-04-20")
    add_transaction(world, "RBX", "BALANCE_TYPE_DEBIT", NEXT_MONTH_DAY, Decimal("12.34"), REBATE, "IB-OTHER")
    world.load(con)
    rb1, rb3 = _topup(world, "RB1"), _topup(world, "RB3")
    assert _rows(_run(con, APRIL, R11)) == [
        ({"application_no": "AP1"}, "mismatched", rb1 + gap, rb1),
        ({"application_no": "AP3"}, "matched", rb3, rb3),
        ({"application_no": "AP4"}, "missing_right", Decimal("50.00"), None),
        ({"topup": "IB-OTHER"}, "missing_left", None, Decimal("12.34")),
    ]
    per_period = R11.__class__(**{**R11.__dict__, "r11_match": "period"})
    assert _rows(_run(con, APRIL, per_period)) == [
        ({"incentive_period": MONTH}, "mismatched", rb1 + gap + rb3 + Decimal("50.00"), rb1 + rb3),
        ({"topup": "IB-OTHER"}, "missing_left", None, Decimal("12.34")),
    ]


def test_r11_skipped_without_applications_and_r4_paid_from_applications(tmp_path: Path) -> None:
    con = _open(tmp_path / "w.duckdb")
    world = build_world()
    for row in world.tables["billing.incentive_records"]:
        if row["incentive_bill_id"] == "IB1":
            row["status"], row["status_raw"] = "pending", "待申付"  # the details' export lags behind
    world.load(con)
    both = ReconciliationSettings(
        rules=("R4", "R11"), plan_rates=PLAN_RATES, product_policies=PRODUCT_POLICIES
    )
    found = _run(con, MONTH, both)
    assert _ran(con) == ["R4"]  # no payout application ever loaded: R11 did not run
    ib1 = found.filter(pl.col("keys") == '{"incentive_bill_id":"IB1"}')
    assert ib1["status"].to_list() == ["missing_left"]  # 'records': IB1 unpaid, yet a top-up carries its id
    rb1 = _topup(world, "RB1")
    con.execute(
        "INSERT INTO billing.incentive_payout_applications (application_no, incentive_period, "
        "applied_amount, status, status_raw, applied_at, incentive_bill_ids, partner_domain_id, load_id) "
        "VALUES ('AP1', ?, ?, 'paid', '已完成', '2026-04-05 10:00:00', 'IB1', 'p', 'l')",
        [MONTH, rb1],
    )
    for paid_from in ("applications", "either"):
        settings = both.__class__(**{**both.__dict__, "r4_paid_from": paid_from})
        found = _run(con, MONTH, settings)
        ib1 = found.filter((pl.col("rule") == "R4") & (pl.col("keys") == '{"incentive_bill_id":"IB1"}'))
        assert _rows(ib1) == [({"incentive_bill_id": "IB1"}, "matched", rb1, rb1)], paid_from
        assert _ran(con) == ["R4", "R11"]


def test_settings_reject_unknown_choices(tmp_path: Path) -> None:
    path = tmp_path / "reconciliation.toml"
    path.write_text('[reconciliation]\nr11_match = "customer"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="r11_match must be one of"):
        ReconciliationSettings.from_files(path)
    text = '[reconciliation]\nr4_paid_from = "applications"\nr11_window_days = 30\n'
    path.write_text(text, encoding="utf-8")
    loaded = ReconciliationSettings.from_files(path)
    assert (loaded.r4_paid_from, loaded.r11_window_days) == ("applications", 30)
