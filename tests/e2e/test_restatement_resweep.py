"""A restatement after the look-back window: the daily run after it re-sweeps the changed customer's month, so
the warehouse holds the restated fee record and the next issue gives exactly one note (issue 13 item 4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from dagster import AssetKey

from finance.invoicing.store import generate_invoices, list_invoices
from finance.price_book import load_price_book
from sandbox.server import RunningSandbox
from tests.pipelines.pbw_harness import Harness
from warehouse.connection import writer

ROOT = Path(__file__).resolve().parents[2]
BEFORE = date(2026, 11, 6)  # 2026-10 is final, its restatement (published on the 10th) not yet served
MONTH = "2026-10"

pytestmark = pytest.mark.slow


def issue(harness: Harness) -> list[str]:
    """`pbw invoice --month M --issue`, in-process: the doc types of the documents it created."""
    book = load_price_book(ROOT / "config" / "price_book.example.toml")
    with writer(harness.warehouse) as con:
        run = generate_invoices(con, MONTH, book, issue=True)
    return [d.doc_type for d in run.created]


@pytest.mark.parametrize("seed", [3, 4, 5], ids=lambda s: f"seed{s}")
def test_the_daily_run_after_a_restatement_reloads_the_month_and_one_note_follows(
    seed: int, sandbox_factory: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    box = sandbox_factory(seed=seed, scenario="restatement", today=BEFORE, rate_limit=None, customers=6)
    restated = httpx.get(f"{box.url}/_sandbox/manifest", timeout=30).json()["restatements"][0]
    assert restated["cycle"] == MONTH
    published = date.fromisoformat(restated["published_on"])
    harness = Harness(box, tmp_path, lookback_days=3, today=BEFORE.isoformat())
    harness.backfill(date(2026, 10, 1), date(2026, 10, 31))
    assert set(issue(harness)) == {"invoice"}
    record = "SELECT payment_amount FROM billing.consumption_records WHERE id = ?"
    assert harness.query(record, [restated["record_id"]]) == []

    later = published + timedelta(days=2)  # D = published + 1: the record's own day is far behind D-3
    httpx.post(f"{box.url}/_sandbox/clock", json={"today": later.isoformat()}, timeout=30).raise_for_status()
    harness.today = later.isoformat()
    outcomes = harness.daily(later - timedelta(days=1))

    (loaded,) = harness.query(record, [restated["record_id"]])
    assert loaded[0] == Decimal(restated["amount"])
    requests = harness.query(
        "SELECT cycle, customer_id, reason, done_load_id IS NOT NULL FROM audit.resweep_requests"
    )
    assert requests == [(MONTH, restated["customer_id"], "restatement", True)]
    bills_run = next(o for o in outcomes if o.run.job == "bills_job")
    said = [e.message for e in harness.instance.all_logs(bills_run.run_id) if "re-sweeping" in e.message]
    assert said == [
        f"re-sweeping the fee records of {MONTH} restatement (bill version 2): "
        f"customers {restated['customer_id']}"
    ]
    materialized = harness.instance.get_latest_materialization_event(AssetKey("consumption_resweeps"))
    assert materialized is not None
    assert materialized.asset_materialization is not None
    metadata = {k: v.value for k, v in materialized.asset_materialization.metadata.items()}
    assert metadata["resweeps"] == 1
    assert f"{MONTH} restatement (bill version 2): {restated['customer_id']}" in str(
        metadata["resweep_reasons"]
    )

    notes = issue(harness)
    assert len(notes) == 1
    assert notes[0] in ("credit_note", "debit_note")
    assert issue(harness) == []  # a rerun of the issue creates nothing more
    with writer(harness.warehouse) as con:
        documents = list_invoices(con, MONTH)
    (note,) = [d for d in documents if d.doc_type != "invoice"]
    assert note.customer_id == restated["customer_id"]
