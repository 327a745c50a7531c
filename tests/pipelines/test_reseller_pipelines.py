"""A distributor with three resellers and customers changing hands mid-month, through real Dagster runs.

One October backfill of a sandbox world (3 resellers, 3 movers, the gateway throttling at 10/s) is shared:
the warehouse per holder and per customer equals the sandbox's per-holder ground truth to the cent, no fee
record sits under two holders, the calls made are the minimum the data needs, and a rerun changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from pbw_harness import Harness

from finance.invoicing.store import generate_invoices, list_invoices
from finance.price_book import load_price_book
from finance.reseller_statements import write_statements
from sandbox.config import SandboxConfig
from sandbox.server import start_in_thread
from warehouse.connection import writer

TODAY = date(2026, 11, 10)
MONTH = "2026-10"
DATASETS = ("customers", "resellers", "consumption_records", "account_transactions", "monthly_bills")

pytestmark = pytest.mark.xdist_group("resellers")


def pages(rows: int, size: int = 100) -> int:
    """Calls one sweep needs: an empty answer still costs one."""
    return max(1, -(-rows // size))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, Any, Any]]:
    """October loaded once (all datasets, every holder); the truth and the call stats right after."""
    # October generated before serving: the gateway stamps arrivals when a request is handled, and a month
    # generated on first request would hold later arrivals back and stamp them in a burst
    config = SandboxConfig(customers=4, movers=3, today=TODAY, rate_limit=10.0, seed=11, warm=(MONTH,))
    with start_in_thread(config) as box:
        harness = Harness(box, tmp_path_factory.mktemp("resellers"), today=TODAY.isoformat())
        harness.backfill(date(2026, 10, 1), date(2026, 10, 31), DATASETS)
        truth = httpx.get(f"{box.url}/_sandbox/holders", params={"month": MONTH}, timeout=30).json()
        stats = httpx.get(f"{box.url}/_sandbox/stats", timeout=30).json()
        yield harness, truth, stats


def _holder(row_holder: str | None) -> str:
    return row_holder or "distributor"


def test_totals_per_holder_and_customer_equal_the_truth(world: tuple[Harness, Any, Any]) -> None:
    h, truth, _ = world
    assert len(truth["holders"]) == 4
    assert len(truth["movers"]) == 3
    want_holder = {_holder(t["indirect_partner_id"]): (t["fee_records"], Decimal(t["payment_amount"]))
                   for t in truth["holders"]}
    got_holder = {_holder(p): (n, total) for p, n, total in h.query(
        "SELECT indirect_partner_id, count(*), sum(payment_amount) FROM billing.consumption_records "
        "WHERE bill_cycle = ? GROUP BY 1", [MONTH])}
    assert got_holder == want_holder
    want_customer = {(_holder(t["indirect_partner_id"]), c["customer_id"]): Decimal(c["payment_amount"])
                     for t in truth["holders"] for c in t["customers"] if c["fee_records"]}
    got_customer = {(_holder(p), c): total for p, c, total in h.query(
        "SELECT indirect_partner_id, customer_id, sum(payment_amount) FROM billing.consumption_records "
        "WHERE bill_cycle = ? GROUP BY 1, 2", [MONTH])}
    assert got_customer == want_customer
    want_bills = {(_holder(t["indirect_partner_id"]), int(mode)): (s["rows"], Decimal(s["amount"]))
                  for t in truth["holders"] for mode, s in t["monthly_sum"].items() if s["rows"]}
    got_bills = {(_holder(p), mode): (n, total) for p, mode, n, total in h.query(
        "SELECT indirect_partner_id, charge_mode, count(*), sum(amount) FROM billing.monthly_bills "
        "WHERE cycle = ? GROUP BY 1, 2", [MONTH])}
    assert got_bills == want_bills
    resellers = [t for t in truth["holders"] if t["indirect_partner_id"]]
    want_balances = {(t["indirect_partner_id"], bt): Decimal(v) for t in resellers
                     for bt, v in t["balances"].items()}
    got_balances = {(p, "BALANCE_TYPE_DEBIT" if kind == 1 else "BALANCE_TYPE_CREDIT"): amount
                    for p, kind, amount in h.query(
                        "SELECT indirect_partner_id, account_type, amount FROM billing.reseller_balances "
                        "WHERE indirect_partner_id IS NOT NULL AND snapshot_date = ?", [TODAY])}
    assert got_balances == want_balances
    want_customer_balances = {(t["indirect_partner_id"], c): Decimal(v) for t in resellers
                              for c, v in t["customer_balances"].items()}
    got_customer_balances = {(p, c): amount for p, c, amount in h.query(
        "SELECT indirect_partner_id, customer_id, amount FROM billing.customer_balances "
        "WHERE indirect_partner_id IS NOT NULL")}
    assert got_customer_balances == want_customer_balances
    assert h.query("SELECT count(*) FROM audit.quarantine") == [(0,)]


def test_no_fee_record_under_two_holders_and_who_served_a_mover(world: tuple[Harness, Any, Any]) -> None:
    h, truth, _ = world
    rows, ids = h.query("SELECT count(*), count(DISTINCT id) FROM billing.consumption_records")[0]
    assert rows == ids > 0
    for mover in truth["movers"]:
        served = h.query(
            "SELECT bill_date, indirect_partner_id FROM billing.customer_holder_days WHERE customer_id = ?",
            [mover["customer_id"]])
        assert served
        for day, holder in served:
            stint = [s for s in mover["days"]
                     if date.fromisoformat(s["begin"]) <= day <= date.fromisoformat(s["end"])]
            assert [s["indirect_partner_id"] for s in stint] == [holder], (mover["customer_id"], day)
        assert len({holder for _, holder in served}) == 2


def test_calls_are_the_minimum_and_the_rate_is_kept(world: tuple[Harness, Any, Any]) -> None:
    _, truth, stats = world
    holders = truth["holders"]
    minimum = {
        "/v2/bills/subcustomer-bills/res-fee-records":
            sum(pages(c["served_rows"], 1000) for t in holders for c in t["customers"] if c["served_rows"]),
        "/v2/bills/subcustomer-bills/res-fee-records/sub-customers/query": len(holders),
        "/v2/bills/partner-bills/subcustomer-bills/monthly-sum":
            sum(pages(s["rows"]) for t in holders for s in t["monthly_sum"].values()),
        "/v2/accounts/partner-accounts/account-change-records":
            sum(pages(a["rows"]) for t in holders for a in t["account_changes"].values()),
        "/v2/partners/sub-customers/query": sum(pages(len(t["customers_now"])) for t in holders),
        "/v2/accounts/partner-accounts/balances": len(holders),
        # one reseller list per fetch step of the five datasets
        "/v2/partners/indirect-partners/query": len(DATASETS),
        "/v2/partners/issued-coupon-quotas": 1,
        "/v2/partners/coupon-quotas/records": 1,
    }
    made = stats["requests"]
    assert {path: made.get(path, 0) for path in minimum} == minimum
    # one bucket per API for the whole partner account, whatever reseller a call is for: the gateway (10/s)
    # never refused a call, and no sliding second saw more than 10 arrivals of one API
    assert stats["throttled"] == {}
    assert max(stats["max_rps"].values()) <= 10, stats["max_rps"]


def test_rerun_leaves_every_table_unchanged(world: tuple[Harness, Any, Any]) -> None:
    h, _, _ = world
    before = h.snapshot()
    h.backfill(date(2026, 10, 14), date(2026, 10, 16), ("resellers", "consumption_records",
                                                        "account_transactions"))
    h.backfill(date(2026, 10, 1), date(2026, 10, 31), ("monthly_bills",))
    assert h.snapshot() == before


def test_statements_tie_to_the_truth_and_focus_carries_the_reseller(
    world: tuple[Harness, Any, Any], tmp_path: Path
) -> None:
    h, truth, _ = world
    with writer(h.warehouse) as con:
        paths = write_statements(con, MONTH, tmp_path, generated_at=datetime(2026, 11, 10, 4, 0))
    resellers = [t for t in truth["holders"] if t["indirect_partner_id"]]
    assert len(paths) == 2 * len(resellers)
    names = dict(h.query("SELECT indirect_partner_id, name FROM billing.indirect_partners"))
    for t in resellers:
        account = h.query("SELECT account_name FROM billing.indirect_partners WHERE indirect_partner_id = ?",
                          [t["indirect_partner_id"]])[0][0]
        page = (tmp_path / "statements" / f"{account}-{MONTH}.html").read_text(encoding="utf-8")
        assert "云经销商" in names[t["indirect_partner_id"]]
        assert names[t["indirect_partner_id"]] in page  # the Chinese name, unescaped characters
        assert "Generated 2026-11-10 04:00:00 UTC" in page  # the run's clock, not the wall clock
        total = Decimal(t["payment_amount"]).quantize(Decimal("0.01"))
        assert f'<td class="num">{total:,.2f}</td></tr>' in page  # the consumption total row
        sheet = pl.read_excel(tmp_path / "statements" / f"{account}-{MONTH}.xlsx", sheet_name="consumption")
        assert Decimal(str(sheet["应付金额"][-1])).quantize(Decimal("0.01")) == total
    focus = h.query("SELECT x_ResellerId, count(*), sum(BilledCost) FROM marts.focus_charges "
                    "WHERE x_SubAccountPath LIKE '%/' || SubAccountId AND x_ResellerName IS NOT NULL "
                    "GROUP BY 1")
    assert {p: (n, s) for p, n, s in focus} == {
        t["indirect_partner_id"]: (t["fee_records"], Decimal(t["payment_amount"])) for t in resellers
    }


def test_the_distributor_invoices_only_its_own_days(world: tuple[Harness, Any, Any]) -> None:
    h, truth, _ = world
    book = load_price_book(Path(__file__).resolve().parents[2] / "config" / "price_book.example.toml")
    with writer(h.warehouse) as con:
        generate_invoices(con, MONTH, book)
        docs = list_invoices(con, MONTH)
    own = next(t for t in truth["holders"] if t["indirect_partner_id"] is None)
    resale = {c["customer_id"] for c in own["customers"] if c["association_type"] == "2" and c["fee_records"]}
    assert {d.customer_id for d in docs} == resale  # a mover's reseller days are on the reseller's statement
