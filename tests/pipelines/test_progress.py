"""Progress inside runs: a backfill's event log carries progress lines whose final counts are the rows;
its amounts show as two-decimal text beside the exact value."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from dagster import DagsterEventType
from pbw_harness import Harness

from sandbox.config import SandboxConfig
from sandbox.server import start_in_thread

TODAY = date(2026, 11, 24)
FINAL = re.compile(r"^progress (?P<dataset>\w+) (?P<endpoints>[\w,]+): (?P<done>\d+)/(?P<total>\d+) sweeps, "
                   r"(?:(?P<customers>\d+) customers, )?(?P<pages>\d+) pages, (?P<records>[\d,]+) records, "
                   r"[\d,]+ records/s \(done\)$")


def test_backfill_logs_progress_whose_counts_add_up_to_the_rows_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PBW_PROGRESS", "1")
    with start_in_thread(SandboxConfig(customers=4, today=TODAY, rate_limit=None, seed=5)) as box:
        harness = Harness(box, tmp_path, today=TODAY.isoformat())
        outcomes = harness.backfill(date(2026, 10, 1), date(2026, 10, 3),
                                    ("customers", "consumption_records", "account_transactions"))
    (outcome,) = outcomes
    logs = [e for e in harness.instance.all_logs(outcome.run_id) if e.dagster_event is None]
    finals = [m.groupdict() for e in logs if (m := FINAL.match(e.user_message))]
    records = {(f["dataset"], f["endpoints"]): int(f["records"].replace(",", "")) for f in finals}
    assert all(f["done"] == f["total"] for f in finals)
    loaded = {}
    amounts = {}
    for event in harness.instance.all_logs(outcome.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        mat = event.asset_materialization
        assert mat is not None
        md = {k: v.value for k, v in mat.metadata.items()}
        loaded[mat.asset_key.to_user_string()] = int(str(md["rows"])) + int(str(md["quarantined"]))
        amounts.update({k: str(v) for k, v in md.items() if k.startswith("total_")})
    assert records[("consumption_records", "res_fee_records")] == loaded["consumption_records"] > 0
    # the 4 direct customers and the 3 x 3 of the distributor's resellers
    assert records[("customers", "sub_customers")] == loaded["customers"] == 4 + 3 * 3
    assert records[("account_transactions", "account_change_records")] == loaded["account_transactions"]
    fees = next(f for f in finals if f["endpoints"] == "res_fee_records")
    assert 0 < int(fees["customers"]) <= 4 + 3 * 3
    exact = Decimal(amounts["total_payment_amount_exact"])
    assert exact == harness.query("SELECT sum(payment_amount) FROM billing.consumption_records")[0][0]
    assert amounts["total_payment_amount"] == f"{exact.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"
    terminal = capfd.readouterr().err
    assert f"consumption_records res_fee_records: {fees['done']}/{fees['total']} sweeps" in terminal
