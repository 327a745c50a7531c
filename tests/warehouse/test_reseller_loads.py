"""Reseller datasets: holders on the rows, exact money, bad rows quarantined with reasons, atomic and
idempotent commits, the reseller history."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from wh_helpers import memory_warehouse, table_checksum
from wh_pages import fee_pages

from schemas import resellers
from warehouse.contract import LoadContext
from warehouse.loaders.consumption_records import commit_consumption, stage_consumption
from warehouse.loaders.resellers import ResellerBatches, commit_reseller_batches, stage_reseller_dataset
from warehouse.replace import ResellerRowsError

R1, R2 = "r" * 32, "s" * 32


def page(tmp: Path, name: str, body: dict[str, object]) -> Path:
    path = tmp / f"{name}.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def record(n: int, amount: str, op: str = "10", holder: str = R1) -> dict[str, object]:
    return {
        "id": f"QR{n}",
        "operator": "admin",
        "operation_type": op,
        "quota_id": f"Q{n}",
        "parent_quota_id": "Q0",
        "amount": amount,
        "operation_time": "2026-10-31T17:30:00Z",
        "result": "0",
        "indirect_partner_id": holder,
        "indirect_partner_account_name": "pbw_reseller_01",
        "indirect_partner_name": "华信云经销商01有限公司",
        "remark": "",
    }


def test_quota_records_load_exact_with_beijing_dates_and_bad_rows_quarantined(tmp_path: Path) -> None:
    body = {"total_count": 3, "records": [record(1, "1234.56"), record(2, "0.07", "11"), record(3, "-5")]}
    spec = resellers.COUPON_QUOTA_RECORDS
    batch = stage_reseller_dataset(spec, [(None, [page(tmp_path, "p", body)])], tmp_path, LoadContext())
    con = memory_warehouse()
    reports = commit_reseller_batches(con, ResellerBatches(batches=(batch,)))
    assert (reports[0].rows_in, reports[0].rows_loaded, reports[0].rows_quarantined) == (3, 2, 1)
    rows = con.execute(
        "SELECT id, amount, operation_date, indirect_partner_id FROM billing.coupon_quota_records ORDER BY id"
    ).fetchall()
    # 17:30 UTC on the 31st is 1 November in Beijing
    assert rows == [
        ("QR1", Decimal("1234.56"), date(2026, 11, 1), R1),
        ("QR2", Decimal("0.07"), date(2026, 11, 1), R1),
    ]
    reasons, raw = con.execute("SELECT reasons, raw_record FROM audit.quarantine").fetchone()  # type: ignore[misc]
    assert "S8" in reasons
    assert json.loads(raw)["amount"] == "-5"


def test_balances_per_holder_replace_their_snapshot_day_and_rerun_is_identical(tmp_path: Path) -> None:
    def balances(holder: str | None, cash: str) -> list[Path]:
        body = {
            "account_balances": [
                {
                    "account_id": f"{holder}-cash",
                    "account_type": 1,
                    "amount": cash,
                    "currency": "CNY",
                    "designated_amount": 0,
                    "credit_amount": 0,
                    "measure_id": 1,
                    "memo": "",
                }
            ]
        }
        return [page(tmp_path, f"b-{holder}-{cash}", body)]

    con = memory_warehouse()
    day = date(2026, 11, 10)

    def load(cash: str) -> None:
        pages = [
            (None, balances(None, "1.10")),
            (R1, balances(R1, cash)),
            (R2, balances(R2, "99999999.99999999")),
        ]
        batch = stage_reseller_dataset(
            resellers.RESELLER_BALANCES, pages, tmp_path, LoadContext(), snapshot=day
        )
        commit_reseller_batches(con, ResellerBatches(batches=(batch,)))

    load("0.1")
    first = con.execute(
        "SELECT indirect_partner_id, amount FROM billing.reseller_balances ORDER BY ALL"
    ).fetchall()
    assert first == [(R1, Decimal("0.1")), (R2, Decimal("99999999.99999999")), (None, Decimal("1.1"))]
    load("0.1")
    assert (
        con.execute(
            "SELECT indirect_partner_id, amount FROM billing.reseller_balances ORDER BY ALL"
        ).fetchall()
        == first
    )
    load("2.5")  # the same day read again: replaced, not added
    assert con.execute("SELECT count(*), sum(amount) FROM billing.reseller_balances").fetchall() == [
        (3, Decimal("100000003.59999999"))
    ]


def test_a_failing_commit_leaves_every_reseller_table_as_it_was(tmp_path: Path) -> None:
    good = stage_reseller_dataset(
        resellers.COUPON_QUOTA_RECORDS,
        [(None, [page(tmp_path, "g", {"records": [record(1, "5")]})])],
        tmp_path,
        LoadContext(),
    )
    con = memory_warehouse()
    commit_reseller_batches(con, ResellerBatches(batches=(good,)))
    newer = stage_reseller_dataset(
        resellers.COUPON_QUOTA_RECORDS,
        [(None, [page(tmp_path, "n", {"records": [record(2, "7")]})])],
        tmp_path,
        LoadContext(),
    )
    assert newer.rows.path is not None
    newer.rows.remove()  # the staged parts are gone: the insert fails after the delete ran
    with pytest.raises(Exception):  # noqa: PT011 (DuckDB's IO error)
        commit_reseller_batches(con, ResellerBatches(batches=(newer,)))
    assert con.execute("SELECT id FROM billing.coupon_quota_records").fetchall() == [("QR1",)]


def test_a_load_without_resellers_refuses_to_delete_their_rows(tmp_path: Path) -> None:
    """PBW_RESELLERS=off after an `auto` run: the distributor's own view must not wipe its resellers' days."""
    day = date(2026, 10, 5)
    con = memory_warehouse()
    own = fee_pages(tmp_path / "own", [day], 3, seed=1)
    resold = fee_pages(tmp_path / "resold", [day], 2, seed=2, start=100)
    days = [day.isoformat()]
    first = stage_consumption(own + resold, days, tmp_path / "s1", LoadContext(partner_domain_id="D"),
                              holders={str(p): R1 for p in resold})
    commit_consumption(con, first)
    mix = "SELECT count(*) FILTER (indirect_partner_id IS NULL), count(*) FILTER (indirect_partner_id = ?) " \
          "FROM billing.consumption_records"
    assert con.execute(mix, [R1]).fetchall() == [(3, 2)]
    before = table_checksum(con, "billing.consumption_records")

    newer = fee_pages(tmp_path / "newer", [day], 4, seed=3)
    off_mode = LoadContext(partner_domain_id="D", holders=False)
    off = stage_consumption(newer, days, tmp_path / "s2", off_mode)
    with pytest.raises(ResellerRowsError, match=r"2 rows of 1 reseller\(s\) in 2026-10-05, .*RESELLERS=auto"):
        commit_consumption(con, off)
    assert table_checksum(con, "billing.consumption_records") == before  # nothing deleted, nothing half-done

    auto = stage_consumption(newer, days, tmp_path / "s3", LoadContext(partner_domain_id="D"))
    commit_consumption(con, auto)  # every holder swept (the reseller has nothing that day now): replaced
    assert con.execute(mix, [R1]).fetchall() == [(4, 0)]
    again = stage_consumption(own, days, tmp_path / "s4", off_mode)
    commit_consumption(con, again)  # no reseller's rows in the day: an `off` load replaces it
    assert con.execute(mix, [R1]).fetchall() == [(3, 0)]
