"""End to end: the sandbox's reconciliation scenario through the real pipeline, findings = manifest exactly.

Per seed: a sandbox with `--scenario reconciliation`, `pbw backfill` of the scenario month through Dagster
(with the lists R8-R10 compare with: coupons, orders, refund orders),
the console incentive exports of M-2..M and the payout applications (激励申付 > 申请记录, R11) loaded
(M-2's bill is paid by a top-up inside M, so its records are needed to explain that top-up), then
`pbw reconcile --month M`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

from finance.invoicing.store import current_lines, list_invoices
from finance.price_book import load_price_book
from finance.reconciliation.engine import load_findings
from pipelines import reporting_commands
from sandbox.exports import export_incentives, export_payouts
from sandbox.server import RunningSandbox
from tests.e2e.every_yuan import assert_every_yuan, assert_usage_units
from tests.finance.recon_scoring import finding_keys, latest_run_id, manifest_keys, precision_recall
from warehouse.connection import writer
from warehouse.loaders.incentive_records import load_incentives
from warehouse.loaders.payout_applications import load_payouts

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 10)  # month 2026-10 is final from the 5th of November
MONTH = "2026-10"
CUSTOMERS = 8  # enough for every scenario pick (3 direct resale, 1 referral), small enough to stay fast
INCENTIVE_MONTHS = ("2026-08", "2026-09", MONTH)
DATASETS = (
    "customers", "resellers", "consumption_records", "account_transactions", "monthly_bills", "money_lists"
)
MOVERS = 2  # resale customers changing hands mid-month (distributor <-> reseller 1, reseller 1 <-> 2)

SandboxFactory = Callable[..., RunningSandbox]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("warehouse.loaders") is None,
        reason="the pipeline's loaders (warehouse.loaders) are absent",
    ),
]


def pbw(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        env=env,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=600,
        check=False,
    )


def pipeline_env(box: RunningSandbox, tmp_path: Path) -> dict[str, str]:
    """The environment a user sets for the sandbox, with every file of the run under tmp_path."""
    env = dict(os.environ)
    env.update(
        PBW_ENDPOINT=box.url,
        HUAWEICLOUD_SDK_AK=box.ak,
        HUAWEICLOUD_SDK_SK=box.sk,
        HUAWEICLOUD_SDK_DOMAIN_ID=box.domain_id,
        PBW_WAREHOUSE=str(tmp_path / "warehouse.duckdb"),
        PBW_INBOX=str(tmp_path / "inbox"),
        PBW_REPORTS=str(tmp_path / "reports"),
        PBW_START_DATE="2026-08-01",
        PBW_TODAY=TODAY.isoformat(),
        PBW_INCENTIVE_PLANS=str(ROOT / "config" / "incentive_plans.example.toml"),
        DAGSTER_HOME=str(tmp_path / "dagster-home"),
    )
    for name in ("PBW_RECONCILIATION_SETTINGS", "PBW_PRICE_BOOK", "PBW_ISSUE_INVOICES"):
        env.pop(name, None)
    Path(env["DAGSTER_HOME"]).mkdir()
    return env


def close_month(box: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Path]:
    """Backfill the month through Dagster, load the incentive exports and run `pbw reconcile`.

    The backfill runs as a user would (`pbw backfill`, its own process); the export loading and the
    reconciliation run in-process through the same plain functions, which saves two interpreter starts.
    """
    env = pipeline_env(box, tmp_path)
    backfill = pbw(
        "backfill", "--from", f"{MONTH}-01", "--to", f"{MONTH}-31", "--datasets", *DATASETS, env=env
    )
    assert backfill.returncode == 0, backfill.stderr[-3000:]
    # account changes up to the day before today: R7_BALANCE compares today's balances with the last change
    changes = pbw("backfill", "--from", "2026-11-01", "--to", (TODAY - timedelta(days=1)).isoformat(),
                  "--datasets", "account_transactions", env=env)
    assert changes.returncode == 0, changes.stderr[-3000:]
    warehouse = Path(env["PBW_WAREHOUSE"])
    with writer(warehouse) as con:
        for month in INCENTIVE_MONTHS:
            path = export_incentives(box.app.world, month, tmp_path / f"incentives-{month}.xlsx", lang="en")
            load_incentives(con, path, partner_domain_id=box.domain_id)
        payouts = export_payouts(box.app.world, tmp_path / "payout-applications.csv", fmt="csv")
        load_payouts(con, payouts, partner_domain_id=box.domain_id)
    for name in ("PBW_WAREHOUSE", "PBW_REPORTS", "PBW_INCENTIVE_PLANS"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.delenv("PBW_RECONCILIATION_SETTINGS", raising=False)
    parser = argparse.ArgumentParser(prog="pbw")
    reporting_commands.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["reconcile", "--month", MONTH])
    return args.func(args), warehouse


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5], ids=lambda s: f"seed{s}")
def test_findings_equal_the_manifest(
    seed: int, sandbox_factory: SandboxFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = sandbox_factory(
        seed=seed, scenario="reconciliation,resellers", today=TODAY, rate_limit=None, customers=CUSTOMERS,
        movers=MOVERS,
    )
    manifest = httpx.get(f"{box.url}/_sandbox/manifest", timeout=30).json()
    assert manifest["scenario_month"] == MONTH
    code, warehouse = close_month(box, tmp_path, monkeypatch)
    assert code == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        run_id = latest_run_id(con, MONTH)
        assert run_id is not None
        found = finding_keys(load_findings(con, run_id))
        assert_every_yuan(con, box.app.world, MONTH)
        assert_usage_units(con, box.app.world, MONTH)
    expected = manifest_keys(manifest)
    # 10 of the distributor (R1-R5, R8-R10, R11: a payout above its top-up), 6 inside its resellers
    assert len(expected) == 16
    assert sum(1 for _, keys in expected if "indirect_partner_id" in dict(keys)) == 6
    assert found == expected, {"extra": found - expected, "missed": expected - found}
    assert precision_recall(found, expected) == (1.0, 1.0)
    assert (tmp_path / "reports" / MONTH / "reconciliation.html").exists()


def test_no_scenario_no_findings(
    sandbox_factory: SandboxFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    box = sandbox_factory(seed=11, today=TODAY, rate_limit=None, customers=CUSTOMERS, movers=MOVERS)
    code, warehouse = close_month(box, tmp_path, monkeypatch)
    assert code == 0
    out = capsys.readouterr().out
    assert "All matched or within tolerance." in out
    assert out.count("compared, all matched") == 3  # one line per reseller
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert_every_yuan(con, box.app.world, MONTH)
        found = con.execute("SELECT DISTINCT rule FROM marts.reconciliation_findings").fetchall()
    rules = {r[0] for r in found}
    assert {"R5_QUOTA", "R6_FUNDS", "R7_BALANCE"} <= rules  # every reseller rule compared something


def test_restatement_after_issue_gives_exactly_one_note(
    sandbox_factory: SandboxFactory, tmp_path: Path
) -> None:
    before = date(2026, 11, 6)  # the month is final, the restatement (published on the 10th) not yet served
    box = sandbox_factory(seed=3, scenario="restatement", today=before, rate_limit=None, customers=CUSTOMERS)
    restated = httpx.get(f"{box.url}/_sandbox/manifest", timeout=30).json()["restatements"][0]
    assert restated["cycle"] == MONTH
    assert date.fromisoformat(restated["published_on"]) > before
    env = pipeline_env(box, tmp_path) | {"PBW_TODAY": before.isoformat()}
    backfill = pbw("backfill", "--from", f"{MONTH}-01", "--to", f"{MONTH}-31", env=env)
    assert backfill.returncode == 0, backfill.stderr[-3000:]
    first = pbw("invoice", "--month", MONTH, "--issue", env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    with duckdb.connect(env["PBW_WAREHOUSE"], read_only=True) as con:
        issued = list_invoices(con, MONTH)
    assert issued
    assert {d.doc_type for d in issued} == {"invoice"}

    later = date.fromisoformat(restated["published_on"]) + timedelta(days=2)
    httpx.post(f"{box.url}/_sandbox/clock", json={"today": later.isoformat()}, timeout=30).raise_for_status()
    env["PBW_TODAY"] = later.isoformat()
    again = pbw("backfill", "--from", f"{MONTH}-25", "--to", f"{MONTH}-31", env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    for _ in range(2):
        run = pbw("invoice", "--month", MONTH, "--issue", env=env)
        assert run.returncode == 0, run.stderr[-3000:]
    with duckdb.connect(env["PBW_WAREHOUSE"], read_only=True) as con:
        documents = list_invoices(con, MONTH)
        now = current_lines(con, MONTH, load_price_book(ROOT / "config" / "price_book.example.toml"))
    notes = [d for d in documents if d.doc_type != "invoice"]
    assert len(notes) == 1
    note = notes[0]
    assert note.customer_id == restated["customer_id"]
    assert note.status == "issued"
    assert [line.service_type_code for line in note.lines] == [restated["service"]]
    assert [(d.invoice_id, d.status) for d in documents if d.doc_type == "invoice"] == [
        (d.invoice_id, "issued") for d in issued
    ]
    invoice = next(d for d in issued if d.customer_id == note.customer_id)
    now_due = sum(line.gross_amount for line in now[note.customer_id].lines)  # amount_due: incl. VAT
    assert invoice.amount_due + note.amount_due == now_due
