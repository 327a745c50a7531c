"""No data is not a green, and the month close done by hand shows in Dagster (real DuckDB, real instance)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance
from recon_world import MONTH, build_world, open_warehouse
from test_report import PLANS_TOML, run_cli

from pipelines.reporting_commands import EXIT_ERROR, EXIT_NO_DATA

EMPTY_MONTH = "2026-05"


@pytest.fixture
def loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The synthetic month in a warehouse file; the environment points every pbw command at it."""
    warehouse = tmp_path / "w.duckdb"
    con = open_warehouse(warehouse)
    build_world().load(con)
    con.close()
    plans = tmp_path / "plans.toml"
    plans.write_text(PLANS_TOML, encoding="utf-8")
    monkeypatch.setenv("PBW_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("PBW_REPORTS", str(tmp_path / "reports"))
    monkeypatch.setenv("PBW_INCENTIVE_PLANS", str(plans))
    monkeypatch.delenv("PBW_RECONCILIATION_SETTINGS", raising=False)
    return tmp_path


def test_empty_month_exits_no_data_with_banner_and_grey_report(
    loaded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["reconcile", "--month", EMPTY_MONTH]) == EXIT_NO_DATA == 3
    captured = capsys.readouterr()
    assert "All matched" not in captured.out
    assert f"* No data for {EMPTY_MONTH}" in captured.out
    assert captured.err.startswith(f"pbw reconcile: No data for {EMPTY_MONTH}")
    html = (loaded / "reports" / EMPTY_MONTH / "reconciliation.html").read_text(encoding="utf-8")
    assert f'<p class="verdict empty" id="verdict">No data for {EMPTY_MONTH}' in html
    assert "verdict ok" not in html
    assert "Everything matched" not in html


def test_missing_warehouse_is_an_error_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo" / "w.duckdb"
    monkeypatch.setenv("PBW_WAREHOUSE", str(missing))
    assert run_cli(["reconcile", "--month", MONTH]) == EXIT_ERROR
    assert str(missing) in capsys.readouterr().err
    assert not missing.exists()
    assert not missing.parent.exists()


def test_reconcile_and_invoice_are_materializations_of_the_month(
    loaded: Path, dagster_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["reconcile", "--month", MONTH]) == 0
    assert run_cli(["invoice", "--month", MONTH, "--issue"]) == 0
    assert run_cli(["reconcile", "--month", EMPTY_MONTH]) == EXIT_NO_DATA
    capsys.readouterr()
    instance = DagsterInstance.from_config(str(dagster_home))
    recon = instance.get_latest_materialization_event(AssetKey("reconciliation"))
    assert recon is not None
    assert recon.asset_materialization is not None
    by_partition = instance.get_materialized_partitions(AssetKey("reconciliation"))
    assert by_partition == {MONTH, EMPTY_MONTH}
    md = {k: v.value for k, v in recon.asset_materialization.metadata.items()}
    assert recon.asset_materialization.partition == EMPTY_MONTH
    assert md["months_without_data"] == EMPTY_MONTH
    assert md["launched_by"] == "pbw reconcile"

    invoices = instance.get_latest_materialization_event(AssetKey("invoices"))
    assert invoices is not None
    assert invoices.asset_materialization is not None
    assert invoices.asset_materialization.partition == MONTH
    inv = {k: v.value for k, v in invoices.asset_materialization.metadata.items()}
    assert (inv["created"], inv["issued"]) == (2, 2)
    con = open_warehouse(loaded / "w.duckdb")
    # what the customers owe: the documents' gross, VAT included (amount_due holds the price before VAT)
    due = con.execute("SELECT sum(gross_amount) FROM marts.invoices WHERE status <> 'void'").fetchall()[0][0]
    con.close()
    assert Decimal(str(inv["total_amount_due_exact"])) == due
    assert inv["total_amount_due"] == f"{due.quantize(Decimal('0.01')):,.2f}"

    verdicts = {
        name: [r.evaluation.passed for r in instance.event_log_storage.get_asset_check_execution_history(
            AssetCheckKey(AssetKey(asset), name), limit=5) if r.evaluation is not None]
        for asset, name in (("reconciliation", "no_unexplained_differences"), ("invoices", "drafts_issued"))
    }
    # newest first: the empty month fails the check, the full month passed it; issued drafts pass
    assert verdicts == {"no_unexplained_differences": [False, True], "drafts_issued": [True]}
