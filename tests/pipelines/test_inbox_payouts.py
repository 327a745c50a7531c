"""Payout-applications exports (激励申付 > 申请记录) through the real inbox and Dagster job.

Recognised by their headers, loaded into billing.incentive_payout_applications with the same loaded / held /
rejected / duplicate outcomes as incentive details, bad rows quarantined, and a held file replacing its
period on a person's word."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SandboxFactory
from pbw_harness import Harness

from pipelines.commands import load_inbox
from sandbox.exports import payout_export_bytes, payout_rows

AMOUNT, STATUS = 2, 3  # columns of the sandbox export


def _csv(path: Path, rows: list[list[str]]) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_bytes(text.getvalue().encode("utf-8-sig"))


def _loaded(h: Harness) -> list[tuple[object, ...]]:
    return h.query(
        "SELECT application_no, incentive_period, applied_amount, status, status_raw, incentive_bill_ids "
        "FROM billing.incentive_payout_applications ORDER BY 1"
    )


def test_payout_exports_through_the_inbox(
    sandbox_factory: SandboxFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = sandbox_factory(customers=4, today=date(2026, 11, 10), rate_limit=None, seed=4)
    h = Harness(box, tmp_path)
    monkeypatch.setenv("PBW_WAREHOUSE", str(h.warehouse))
    h.inbox.mkdir()
    header, *rows = payout_rows(box.app.world, "zh")
    completed = [r for r in rows if r[STATUS] == "已完成"]
    assert completed
    assert {"审核中", "已驳回"} <= {r[STATUS] for r in rows}
    full = payout_export_bytes(box.app.world, "xlsx", "zh")
    (h.inbox / "a-payouts.xlsx").write_bytes(full)
    out = io.StringIO()
    assert load_inbox(h.definitions(), h.instance, h.inbox, out) == 0, out.getvalue()
    assert out.getvalue().splitlines()[-1] == "1 loaded, 0 held, 0 rejected, 0 duplicate"
    status = {"已完成": "paid", "审核中": "reviewing", "已驳回": "rejected"}
    expected = sorted((r[0], r[1], Decimal(r[AMOUNT]), status[r[STATUS]], r[STATUS], r[5]) for r in rows)
    loaded = _loaded(h)
    assert loaded == expected
    assert h.query("SELECT count(*) FROM billing.incentive_records") == [(0,)]

    good = completed[-1]
    _csv(h.inbox / "b-bad-rows.csv", [header, good, [f"{good[0]}X", "2026-13", *good[2:]],
                                      [f"{good[0]}Y", good[1], "-5.00", *good[3:]],
                                      [f"{good[0]}Z", good[1], "1,2,3", *good[3:]]])
    _csv(h.inbox / "c-all-invalid.csv", [header, *[[r[0], r[1], "-1", *r[3:]] for r in rows]])
    reviewing = [*good[:STATUS], "审核中", *good[STATUS + 1:]]
    _csv(h.inbox / "d-lower.csv", [header, reviewing])
    (h.inbox / "e-again.xlsx").write_bytes(full)
    out = io.StringIO()
    assert load_inbox(h.definitions(), h.instance, h.inbox, out) == 1
    lines = out.getvalue().splitlines()
    said = {line.split(": ", 1)[0]: line.split(": ", 2)[1].split(" ")[0] for line in lines[:-1]}
    assert said == {"b-bad-rows.csv": "loaded", "c-all-invalid.csv": "rejected", "d-lower.csv": "held",
                    "e-again.xlsx": "duplicate"}, out.getvalue()
    assert lines[-1] == "1 loaded, 1 held, 1 rejected, 1 duplicate"
    text = out.getvalue()
    assert "3 quarantined" in text
    assert f"c-all-invalid.csv: rejected (none of its {len(rows)} rows is valid" in text
    paid = sum(Decimal(r[AMOUNT]) for r in completed if r[1] == good[1])
    assert f"d-lower.csv: held (the file would lower loaded payout periods ({good[1]}: " in text
    assert f"paid {paid:.2f} -> {paid - Decimal(good[AMOUNT]):.2f} CNY" in text
    assert _loaded(h) == loaded  # the merge of b- replaced its one valid application with the same row
    reasons = " ".join(r[0] for r in h.query("SELECT reasons FROM audit.quarantine"))
    for why in ("period_is_month", "amount_not_negative", "malformed number '1,2,3'"):
        assert why in reasons

    held = next((h.inbox / "held").glob("*/d-lower.csv"))
    out = io.StringIO()
    assert load_inbox(h.definitions(), h.instance, h.inbox, out, replace=held) == 0, out.getvalue()
    assert out.getvalue().splitlines()[-1] == "1 loaded, 0 held, 0 rejected, 0 duplicate"
    period = h.query(
        "SELECT application_no, status FROM billing.incentive_payout_applications WHERE incentive_period = ?",
        [good[1]],
    )
    assert period == [(good[0], "reviewing")]
    assert not held.exists()
