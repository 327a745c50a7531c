"""The monthly report and `pbw reconcile`/`pbw invoice` on the synthetic month (real files, real DuckDB)."""

from __future__ import annotations

import argparse
import csv
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from recon_world import MONTH, PLAN_RATES, PRODUCT_POLICIES, break_every_rule, build_world, open_warehouse

from finance.reconciliation.engine import reconcile_month
from finance.reconciliation.settings import ReconciliationSettings
from finance.reports import write_report
from finance.safe_cells import money
from pipelines import reporting_commands

SETTINGS = ReconciliationSettings(plan_rates=PLAN_RATES, product_policies=PRODUCT_POLICIES)
PLANS_TOML = """
[plans."Growth"]
rate = "0.05"
[plans."Core"]
rate = "0.03"
[plans."Core".products]
"hws.service.type.obs" = "0.04"
[products]
"hws.service.type.ebs" = 2
"hws.service.type.ec2" = 1
"""


BrokenMonth = tuple[Path, dict[str, Path], dict[str, Any]]


@pytest.fixture(scope="module")
def broken_month(tmp_path_factory: pytest.TempPathFactory) -> BrokenMonth:
    root = tmp_path_factory.mktemp("report")
    con = open_warehouse(root / "w.duckdb")
    world = build_world()
    break_every_rule(world)
    world.load(con)
    result = reconcile_month(con, MONTH, SETTINGS)
    paths = write_report(con, result.run_id, root / "out")
    resale = con.execute(
        "SELECT sum(payment_amount) FROM billing.consumption_records WHERE association_type = '2'"
    ).fetchall()[0][0]
    bills = con.execute("SELECT sum(amount) FROM billing.monthly_bills").fetchall()[0][0]
    con.close()
    return root, paths, {"resale": resale, "bills": bills, "result": result}


def test_html_report_is_offline_and_shows_key_totals(broken_month: BrokenMonth) -> None:
    _, paths, facts = broken_month
    html = paths["html"].read_text(encoding="utf-8")
    assert money(facts["resale"].quantize(Decimal("0.01"))) in html
    assert money(facts["bills"].quantize(Decimal("0.01"))) in html
    assert "7 unexplained finding(s)" in html
    assert re.search(r"(src|href)=\"?https?:", html) is None, "no external assets"
    assert "<script" not in html
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 4
    for svg in svgs:
        ET.fromstring(svg)
    assert "BALANCE_TYPE_CREDIT</td><td>2026-03-20</td>" in html


def test_html_says_plainly_which_incentives_are_due_but_unpaid(broken_month: BrokenMonth) -> None:
    root, paths, _ = broken_month
    con = open_warehouse(root / "w.duckdb")
    due = con.execute(
        "SELECT sum(incentive_amount) FROM billing.incentive_records "
        "WHERE incentive_bill_id IN ('IB2', 'IB3')"
    ).fetchall()[0][0]
    con.close()
    html = paths["html"].read_text(encoding="utf-8")
    assert (f'id="pending">Incentives pending: 2 incentive bill(s) with CNY {money(due)} due are not paid '
            "yet") in html


def test_xlsx_has_summary_and_one_sheet_per_kind_with_warehouse_totals(broken_month: BrokenMonth) -> None:
    _, paths, facts = broken_month
    sheets = pl.read_excel(paths["xlsx"], sheet_id=0)
    kinds = set(facts["result"].findings["kind"].to_list())
    assert set(sheets) == {"summary", *kinds}
    r1 = sheets["detail_vs_bill"]
    assert sum(Decimal(str(v)) for v in r1["right_amount"].to_list()) == facts["bills"]
    summary = pl.read_excel(paths["xlsx"], sheet_name="summary", has_header=False)
    rows = {r[0]: r[1] for r in summary.iter_rows()}
    assert rows["unexplained"] == "7" or rows["unexplained"] == 7
    assert Decimal(str(rows["Consumption, resale (fee records)"])) == facts["resale"]


def test_findings_csv_lists_every_compared_key(broken_month: BrokenMonth) -> None:
    _, paths, facts = broken_month
    with paths["findings_csv"].open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == facts["result"].findings.height
    bad = {(r["rule"], r["status"]) for r in rows if r["status"] not in {"matched", "within_tolerance"}}
    assert {rule for rule, _ in bad} == {"R1", "R2", "R3", "R4", "R5"}


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pbw")
    reporting_commands.register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as refused:  # argparse refuses a bad argument (e.g. a month not YYYY-MM) with exit 2
        return int(refused.code or 0)
    return args.func(args)


def test_cli_reconcile_exit_codes_and_invoice_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
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

    assert run_cli(["reconcile", "--month", MONTH]) == 0
    out = capsys.readouterr().out
    assert "All matched or within tolerance." in out
    assert (tmp_path / "reports" / MONTH / "reconciliation.html").exists()

    con = open_warehouse(warehouse)
    con.execute(
        "UPDATE billing.monthly_bills SET amount = amount + 5 WHERE customer_id = 'C2' AND charge_mode = 3"
    )
    con.close()
    assert run_cli(["reconcile", "--month", MONTH]) == 1
    assert "R1 mismatched" in capsys.readouterr().out
    assert run_cli(["reconcile", "--month", "2026-13"]) == 2
    assert run_cli(["reconcile", "--month", MONTH, "--tolerance", "abc"]) == 2

    assert run_cli(["invoice", "--month", MONTH, "--issue"]) == 0
    out = capsys.readouterr().out
    assert "2 created, 2 issued" in out
    files = sorted(p.name for p in (tmp_path / "reports" / MONTH / "invoices").iterdir())
    expected = [
        f"ECP-INV-00000{n}{ext}" for n in (1, 2) for ext in ("-detail.xlsx", ".csv", ".html", ".pdf", ".xlsx")
    ]
    assert files == sorted([*expected, f"einvoice-{MONTH}.csv"])
    assert run_cli(["invoice", "--month", MONTH, "--void", "ECP-INV-000999"]) == 2
    assert "no document numbered 'ECP-INV-000999'" in capsys.readouterr().err
    assert run_cli(["invoice", "--month", MONTH, "--customer", "nobody"]) == 2
    assert "unknown customer 'nobody'" in capsys.readouterr().err
    assert run_cli(["invoice", "--month", MONTH, "--void", "ECP-INV-000001"]) == 0
    assert "ECP-INV-000001" not in capsys.readouterr().out.split("files:")[0].split("total incl. VAT")[1]
    assert run_cli(["invoice", "--month", MONTH, "--price-book", str(tmp_path / "missing.toml")]) == 2


def test_xlsx_findings_have_one_column_per_key_and_equal_the_warehouse(broken_month: BrokenMonth) -> None:
    _, paths, facts = broken_month
    findings = facts["result"].findings
    for kind in set(findings["kind"].to_list()):
        sheet = pl.read_excel(paths["xlsx"], sheet_name=kind, infer_schema_length=0)
        rows = findings.filter(pl.col("kind") == kind)
        keys = [json.loads(k) for k in rows["keys"].to_list()]
        key_names = list(dict.fromkeys(name for k in keys for name in k))
        assert "keys" not in sheet.columns
        assert [c for c in sheet.columns if c in key_names] == key_names
        got = sorted(
            (
                tuple(row[k] for k in key_names),
                *(
                    None if row[a] is None else Decimal(row[a])
                    for a in ("left_amount", "right_amount", "difference")
                ),
                row["status"],
            )
            for row in sheet.iter_rows(named=True)
        )
        want = sorted(
            (
                tuple(None if k.get(n) is None else str(k[n]) for n in key_names),
                *(
                    None if row[a] is None else row[a].normalize()
                    for a in ("left_amount", "right_amount", "difference")
                ),
                row["status"],
            )
            for k, row in zip(keys, rows.iter_rows(named=True), strict=True)
        )
        assert [g[1:] for g in got] == [w[1:] for w in want]
        assert [g[0] for g in got] == [w[0] for w in want]
        if kind == "detail_vs_bill":
            assert set(sheet["customer_name"].to_list()) >= {"Acme Cloud Ltd"}
        if kind == "sweep_count":
            assert all("." not in v for v in sheet["left_amount"].drop_nulls().to_list())
