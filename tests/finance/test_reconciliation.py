"""Reconciliation R1-R5 on a synthetic warehouse month with known breaks (real DuckDB files)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from recon_scoring import finding_keys, latest_run_id, manifest_keys, precision_recall
from recon_world import (
    MONTH,
    PLAN_RATES,
    PRODUCT_POLICIES,
    add_transaction,
    break_every_rule,
    build_world,
    open_warehouse,
)

from finance.reconciliation.engine import reconcile_month
from finance.reconciliation.settings import ReconciliationSettings
from finance.toml_config import ConfigError

SETTINGS = ReconciliationSettings(plan_rates=PLAN_RATES, product_policies=PRODUCT_POLICIES)


def test_consistent_month_has_no_findings(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    build_world().load(con)
    result = reconcile_month(con, MONTH, SETTINGS)
    assert result.unexplained.is_empty(), result.unexplained
    rules = set(result.findings["rule"])
    assert rules == {"R1", "R2", "R3", "R4", "R5"}
    counts = result.findings.group_by("kind").len().sort("kind")
    # 2 resale customers x 2 charging modes, 2 funded balance types, 4 incentive records x 2 checks,
    # 2 paid bills, 3 sweeps + 3 listed customers.
    assert dict(counts.iter_rows()) == {
        "detail_vs_bill": 4,
        "bill_vs_transactions": 2,
        "incentive_base": 4,
        "incentive_amount": 4,
        "incentive_payment": 2,
        "sweep_count": 3,
        "customer_without_records": 3,
    }
    payment = result.findings.filter(pl.col("kind") == "incentive_payment").sort("keys")
    assert payment["detail"].to_list() == [
        "1 top-up(s) matched by trade_id",
        "1 top-up(s) matched by amount and date window",
    ]


def test_known_breaks_found_with_full_precision_and_recall(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    world = build_world()
    expected = break_every_rule(world)
    world.load(con)
    result = reconcile_month(con, MONTH, SETTINGS)
    found = finding_keys(result.findings)
    assert precision_recall(found, expected) == (1.0, 1.0), (found - expected, expected - found)

    by_kind = {row["kind"]: row for row in result.unexplained.iter_rows(named=True) if row["rule"] != "R5"}
    assert by_kind["detail_vs_bill"]["status"] == "mismatched"
    dropped = next(
        r
        for r in build_world().tables["billing.consumption_records"]
        if r["customer_id"] == "C1" and r["service_type_code"] == "hws.service.type.obs"
    )
    assert by_kind["detail_vs_bill"]["difference"] == -dropped["payment_amount"]
    assert by_kind["bill_vs_transactions"]["difference"] == Decimal("-12.34")
    assert by_kind["incentive_amount"]["left_amount"] == Decimal("3")
    assert by_kind["incentive_amount"]["right_amount"] == Decimal("0")
    assert by_kind["incentive_payment"]["status"] == "missing_right"

    drill = con.execute(
        "SELECT day, difference FROM marts.reconciliation_drilldown WHERE run_id = ? AND difference <> 0 "
        "AND keys->>'balance_type' = 'BALANCE_TYPE_CREDIT'",
        [result.run_id],
    ).fetchall()
    assert drill == [(dt.date(2026, 3, 20), Decimal("-12.34"))]


def test_manifest_keys_compare_with_findings_regardless_of_value_types() -> None:
    manifest = {
        "findings": [
            {"rule": "R1", "kind": "x", "keys": {"cycle": MONTH, "customer_id": "C1", "charging_mode": "1"}},
            {"rule": "R4", "kind": "y", "keys": {"incentive_bill_id": "IB9"}},
        ]
    }
    findings = pl.DataFrame(
        {
            "rule": ["R1", "R4", "R2"],
            "keys": [
                json.dumps({"cycle": MONTH, "customer_id": "C1", "charging_mode": 1}),
                json.dumps({"incentive_bill_id": "IB8"}),
                json.dumps({"cycle": MONTH, "balance_type": "BALANCE_TYPE_DEBIT"}),
            ],
            "status": ["mismatched", "missing_left", "within_tolerance"],
        }
    )
    found = finding_keys(findings)
    assert found == {
        ("R1", frozenset({("cycle", MONTH), ("customer_id", "C1"), ("charging_mode", "1")})),
        ("R4", frozenset({("incentive_bill_id", "IB8")})),
    }
    assert precision_recall(found, manifest_keys(manifest)) == (0.5, 0.5)


def test_manifest_r5_entries_compare_on_dataset_and_record_key() -> None:
    entry = {"dataset": "consumption_records", "id": "abc", "cycle": MONTH, "customer_id": "C7"}
    expected = manifest_keys([{"rule": "R5", "keys": entry}])
    assert expected == {("R5", frozenset({("dataset", "consumption_records"), ("record_key", "abc")}))}


def test_tolerance_separates_rounding_from_mismatch(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    world = build_world()
    add_transaction(
        world, "ACR", "BALANCE_TYPE_DEBIT", dt.date(2026, 3, 5), Decimal("0.004"), "SOURCE_OPERAIION_USAGE"
    )
    world.load(con)
    loose = reconcile_month(con, MONTH, SETTINGS)
    r2 = loose.findings.filter(pl.col("kind") == "bill_vs_transactions").sort("keys")
    assert r2["status"].to_list() == ["matched", "within_tolerance"]
    strict = reconcile_month(con, MONTH, ReconciliationSettings(tolerance=Decimal("0.001"), rules=("R2",)))
    assert strict.findings["status"].to_list() == ["matched", "mismatched"]
    assert latest_run_id(con, MONTH) == strict.run_id
    stored = con.execute(
        "SELECT settings->>'tolerance', rules FROM marts.reconciliation_runs WHERE run_id = ?",
        [strict.run_id],
    ).fetchall()[0]
    assert stored is not None
    assert stored[0] == "0.001"
    assert json.loads(stored[1]) == ["R2"]


def test_configured_trade_detail_types_decide_what_counts_in_r2(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    world = build_world()
    add_transaction(
        world, "ACT", "BALANCE_TYPE_DEBIT", dt.date(2026, 3, 9), Decimal("50"), "SOURCE_OPERATION_TRANS"
    )
    world.load(con)
    default = reconcile_month(con, MONTH, ReconciliationSettings(rules=("R2",)))
    assert default.unexplained.is_empty()
    counted = ReconciliationSettings(
        rules=("R2",),
        r2_trade_detail_types=(*ReconciliationSettings().r2_trade_detail_types, "SOURCE_OPERATION_TRANS"),
    )
    result = reconcile_month(con, MONTH, counted)
    assert result.unexplained["difference"].to_list() == [Decimal("-50")]


def test_settings_file_errors_name_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "recon.toml"
    path.write_text('[reconciliation]\ntolerance = "0.05"\nr4_window_dayz = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"reconciliation\.r4_window_dayz \(line 3\): unknown key"):
        ReconciliationSettings.from_files(path)
    path.write_text('[reconciliation]\ntolerance = "0.05"\nbill_types = [0, "1"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bill_types \(line 3\): must be a list of integers"):
        ReconciliationSettings.from_files(path)
    plans = tmp_path / "plans.toml"
    plans.write_text('[plans."Growth"]\nrate = "5"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"plans\.Growth\.rate \(line 2\): a rate is a fraction"):
        ReconciliationSettings.from_files(plans_path=plans)
    plans.write_text(
        '[plans."A"]\nrate = "0.1"\n\n[plans."B".products]\n"hws.x" = "0.2"\n"hws.y" = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r'plans\.B\.products\."hws\.y" \(line 6\): not a number'):
        ReconciliationSettings.from_files(plans_path=plans)


def test_example_config_files_load() -> None:
    root = Path(__file__).resolve().parents[2] / "config"
    settings = ReconciliationSettings.from_files(
        root / "reconciliation.example.toml", root / "incentive_plans.example.toml"
    )
    assert settings.tolerance == Decimal("0.01")
    rates = [r for plan in settings.plan_rates.values() for r in plan.values()]
    assert rates
    assert all(Decimal(0) < r < 1 for r in rates)
    assert {2, 13} & set(settings.product_policies.values())
