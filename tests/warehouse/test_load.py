"""Atomic partition replace, quarantine of every kind of bad input, monthly versions, customer history."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from wh_helpers import table_checksum
from wh_pages import Raw, bill_sum, days, fee_pages, fee_record, transaction_record, write_page

from schemas.validation import RuleSettings
from warehouse.connection import writer
from warehouse.contract import LoadReport, SweepEvidence
from warehouse.loaders.account_transactions import load_account_transactions
from warehouse.loaders.consumption_records import load_consumption
from warehouse.loaders.customers import load_customers
from warehouse.loaders.monthly_bills import load_monthly_bills

DAY = date(2026, 1, 15)


def balanced(result: LoadReport) -> None:
    """Every record ends in exactly one place."""
    assert result.rows_in == result.rows_loaded + result.rows_quarantined


def quarantine(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    return {
        k: json.loads(r)
        for k, r in con.execute("SELECT record_key, reasons FROM audit.quarantine").fetchall()
    }


def test_reloading_the_same_partitions_gives_identical_contents(tmp_path: Path) -> None:
    pages = fee_pages(tmp_path / "p", days(DAY, 3), per_day=400, page_size=500)
    keys = [d.isoformat() for d in days(DAY, 3)]
    with writer(tmp_path / "w.duckdb") as con:
        first = load_consumption(con, pages, keys, run_id="run-1")
        checksum = table_checksum(con, "billing.consumption_records")
        second = load_consumption(con, pages, keys, run_id="run-2")
        assert table_checksum(con, "billing.consumption_records") == checksum
        count, total = con.execute(
            "SELECT count(*), sum(payment_amount) FROM billing.consumption_records"
        ).fetchall()[0]
        logs = con.execute(
            "SELECT run_id, rows_in, rows_loaded FROM audit.load_log ORDER BY started_at_utc"
        ).fetchall()
    expected = sum(
        (Decimal(str(r["payment_amount"])) for p in pages for r in json.loads(p.read_text())["fee_records"]),
        Decimal(0),
    )
    assert count == 1200 == first.rows_loaded == second.rows_loaded
    assert total == expected == first.amount_totals["payment_amount"]
    assert logs == [("run-1", 1200, 1200), ("run-2", 1200, 1200)]
    balanced(first)


def test_replace_touches_only_the_given_partitions_and_partner(tmp_path: Path) -> None:
    with writer(tmp_path / "w.duckdb") as con:
        load_consumption(
            con, fee_pages(tmp_path / "a", days(DAY, 2), 5, seed=1), [DAY.isoformat(), "2026-01-16"]
        )
        load_consumption(
            con,
            fee_pages(tmp_path / "b", [DAY], 5, seed=2, start=100),
            [DAY.isoformat()],
            partner_domain_id="other",
        )
        # reload day 15 for the default partner with 3 records: day 16 and the other partner stay
        load_consumption(con, fee_pages(tmp_path / "c", [DAY], 3, seed=3, start=200), [DAY.isoformat()])
        rows = con.execute(
            "SELECT partner_domain_id, bill_date, count(*) FROM billing.consumption_records "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    assert rows == [
        ("default", DAY, 3),
        ("default", date(2026, 1, 16), 5),
        ("other", DAY, 5),
    ]


def evidence(
    endpoint: str, params: dict[str, object], api_count: int = 0, fetched: int = 0, calls: int = 1
) -> SweepEvidence:
    """Sweep evidence as the pipelines hand it to a loader."""
    now = datetime.now(UTC)
    return SweepEvidence("test", endpoint, params, api_count, fetched, 0, calls, 0, 0, now, now)


BAD_INPUTS: dict[str, tuple[dict[str, Any], str]] = {
    "wrong-type": ({"bill_detail_type": "usage"}, "bill_detail_type: not an integer"),
    "null-key": ({"id": None}, "id: required value is null"),
    "bad-date": ({"trade_time": "2026-13-45T00:00:00Z"}, "trade_time: not a UTC timestamp"),
    "h1-cycle": ({"bill_cycle": "2026-02"}, "h1_bill_date_in_cycle"),
    "inexact-amount": ({"payment_amount": Raw("1.00000000001")}, "DECIMAL(38,10)"),
    "outside-partition": ({"trade_time": "2026-01-20T02:00:00Z"}, "bill_date outside the partitions"),
}


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_each_kind_of_bad_record_is_quarantined_with_a_reason(tmp_path: Path, kind: str) -> None:
    changes, reason = BAD_INPUTS[kind]
    records = [fee_record(i, DAY) for i in range(4)]
    records[2].update(changes)
    page = write_page(tmp_path / "p.json", records)
    sweep = evidence("res_fee_records", {"bill_cycle": "2026-01", "customer_id": "c"}, 4, 4, calls=2)
    with writer(tmp_path / "w.duckdb") as con:
        result = load_consumption(
            con, [page], [DAY.isoformat()], consuming_customers={"2026-01": ["cust-0"]}, evidence=[sweep]
        )
        q = con.execute(
            "SELECT record_key, reasons, raw_record, partition_key FROM audit.quarantine"
        ).fetchall()
        loaded = [
            r[0] for r in con.execute("SELECT id FROM billing.consumption_records ORDER BY id").fetchall()
        ]
        sweeps = con.execute("SELECT endpoint, api_count, calls FROM audit.api_sweeps").fetchall()
        log = con.execute("SELECT api_calls, rows_quarantined FROM audit.load_log").fetchall()
        consumers = con.execute("SELECT bill_cycle, customer_id FROM audit.consumption_customers").fetchall()
    assert result.rows_quarantined == 1
    assert len(q) == 1
    balanced(result)
    assert loaded == ["fee-00000000", "fee-00000001", "fee-00000003"]
    reasons = json.loads(q[0][1])
    assert any(reason in r for r in reasons), reasons
    raw = json.loads(q[0][2])
    assert raw["trade_id"] == "trade-2"  # the raw record as sent
    assert sweeps == [("res_fee_records", 4, 2)]
    assert log == [(2, 1)]
    assert consumers == [("2026-01", "cust-0")]


def test_duplicate_id_quarantines_the_second_copy_across_chunks(tmp_path: Path) -> None:
    first = write_page(tmp_path / "p1.json", [fee_record(1, DAY, Raw("1.00")), fee_record(2, DAY)])
    second = write_page(tmp_path / "p2.json", [fee_record(1, DAY, Raw("9.99"))])
    with writer(tmp_path / "w.duckdb") as con:
        result = load_consumption(con, [first, second], [DAY.isoformat()], chunk_pages=1)
        kept = con.execute(
            "SELECT payment_amount FROM billing.consumption_records WHERE id = 'fee-00000001'"
        ).fetchall()
        q = quarantine(con)
    balanced(result)
    assert kept == [(Decimal("1.00"),)]
    assert q["fee-00000001"][0].startswith("duplicate id")


def test_h_rule_currency_and_s_rules_follow_the_settings(tmp_path: Path) -> None:
    usd = write_page(tmp_path / "usd.json", [fee_record(1, DAY)], currency="USD")
    split = write_page(tmp_path / "split.json", [fee_record(2, DAY, cash_amount=Raw("0.5"))])
    with writer(tmp_path / "w.duckdb") as con:
        warn = load_consumption(con, [usd, split], [DAY.isoformat()])
        assert quarantine(con) == {"fee-00000001": ["h1_currency_cny: currency must be CNY (§3 H1)"]}
        strict = load_consumption(
            con,
            [usd, split],
            [DAY.isoformat()],
            settings=RuleSettings(overrides={"s4_payment_split": "quarantine"}),
        )
        q = quarantine(con)
    assert warn.warnings == {"s4_payment_split": 1}
    assert warn.rows_loaded == 1
    assert strict.rows_loaded == 0
    assert strict.rows_quarantined == 2
    assert q["fee-00000002"][0].startswith("s4_payment_split")
    balanced(warn)
    balanced(strict)


def test_account_transactions_use_request_balance_type_and_beijing_trade_date(tmp_path: Path) -> None:
    late = datetime(2026, 1, 14, 17, 30)  # 01:30 on Jan 15 in Beijing
    page_debit = write_page(
        tmp_path / "d.json",
        [transaction_record(1, late, "10.50"), transaction_record(2, datetime(2026, 1, 15, 3), "0.07")],
        records_field="records",
    )
    page_credit = write_page(
        tmp_path / "c.json",
        [transaction_record(3, datetime(2026, 1, 15, 3), "99999999.99999999", type="3")],
        records_field="records",
    )
    pages = {"BALANCE_TYPE_DEBIT": [page_debit], "BALANCE_TYPE_CREDIT": [page_credit]}
    with writer(tmp_path / "w.duckdb") as con:
        result = load_account_transactions(con, pages, [DAY.isoformat()])
        rows = con.execute(
            "SELECT account_change_id, balance_type, trade_date, trade_time_utc, change_amount, change_type "
            "FROM billing.account_transactions ORDER BY 1"
        ).fetchall()
        q = quarantine(con)
    assert rows == [
        ("acc-000001", "BALANCE_TYPE_DEBIT", DAY, late, Decimal("10.50"), "2"),
        ("acc-000002", "BALANCE_TYPE_DEBIT", DAY, datetime(2026, 1, 15, 3), Decimal("0.07"), "2"),
    ]
    assert q["acc-000003"] == ["change_type_known: type must be '1' (income) or '2' (expense)"]
    balanced(result)


def _bills(tmp_path: Path, name: str, amount: str) -> Path:
    rows = [
        bill_sum("cust-1", "hws.service.type.ec2", "0", amount, [("BALANCE_TYPE_DEBIT", amount)]),
        bill_sum("cust-1", "hws.service.type.ec2", "1", "-2.00", [("BALANCE_TYPE_DEBIT", "-2.00")]),
        bill_sum(
            "cust-2", "hws.service.type.obs", "1", "3.00", [("BALANCE_TYPE_DEBIT", "3.00")]
        ),  # H3 broken
    ]
    return write_page(tmp_path / name, rows, records_field="bill_sums", count_field="count")


def test_monthly_bills_version_only_on_change_and_restatement_after_final(tmp_path: Path) -> None:
    def sweep(page: Path) -> dict[str, list[Path]]:
        return {"2026-01": [page]}  # the cycle is the request's (monthly-sum sends none)

    v1, v2 = _bills(tmp_path, "v1.json", "10.00"), _bills(tmp_path, "v2.json", "12.50")
    with writer(tmp_path / "w.duckdb") as con:
        first = load_monthly_bills(con, sweep(v1), ["2026-01"], final={"2026-01": False})
        same = load_monthly_bills(con, sweep(v1), ["2026-01"], final={"2026-01": True})
        restated = load_monthly_bills(con, sweep(v2), ["2026-01"], final={"2026-01": True})
        versions = con.execute(
            "SELECT version, rows, amount_total, is_final, is_restatement "
            "FROM billing.monthly_bill_versions ORDER BY 1"
        ).fetchall()
        current = con.execute(
            "SELECT version, bill_type, amount FROM billing.monthly_bills ORDER BY 2"
        ).fetchall()
        history = con.execute(
            "SELECT version, count(*) FROM billing.monthly_bills_history GROUP BY 1"
        ).fetchall()
        details = con.execute(
            "SELECT version, amount FROM billing.monthly_bill_account_details WHERE bill_type = 0"
        ).fetchall()
        q = quarantine(con)
    assert first.new_versions == {"2026-01": 1}
    assert same.new_versions == {}
    assert restated.new_versions == {"2026-01": 2}
    assert restated.restated_cycles == ["2026-01"]
    assert versions == [(1, 2, Decimal("8.00"), True, False), (2, 2, Decimal("10.50"), True, True)]
    assert current == [(2, 0, Decimal("12.50")), (2, 1, Decimal("-2.00"))]
    assert history == [(1, 2)]
    assert details == [(2, Decimal("12.50"))]
    assert any("h3_refund_amount_not_positive" in r for r in next(iter(q.values())))
    balanced(first)


def _customers_page(tmp_path: Path, name: str, people: list[tuple[str, str]]) -> Path:
    records = [
        {
            "customer_id": cid,
            "account_name": f"acct-{cid}",
            "customer": label,
            "associated_on": "2025-12-01T08:00:00Z",
            "association_type": "2",
            "label": label,
            "telephone": None,
            "email": None,
            "country_code": "CN",
            "verified_status": 2,
            "customer_type": 1,
            "is_frozen": 0,
            "account_managers": [{"account_name": "am-1", "xaccount_id": "x1"}],
        }
        for cid, label in people
    ]
    return write_page(tmp_path / name, records, records_field="customer_infos", count_field="count")


def test_customers_current_and_history(tmp_path: Path) -> None:
    day1 = _customers_page(tmp_path, "d1.json", [("c1", "Alpha"), ("c2", "Beta")])
    day2 = _customers_page(tmp_path, "d2.json", [("c1", "Alpha"), ("c2", "Beta Ltd"), ("c3", "Gamma")])
    day3 = _customers_page(tmp_path, "d3.json", [("c2", "Beta Ltd"), ("c3", "Gamma")])
    with writer(tmp_path / "w.duckdb") as con:
        for page in (day1, day2, day2, day3):
            balanced(load_customers(con, [page]))
        current = con.execute("SELECT customer_id, label FROM billing.customers ORDER BY 1").fetchall()
        history = con.execute(
            "SELECT customer_id, label, valid_to_utc IS NULL FROM billing.customers_history "
            "ORDER BY 1, valid_from_utc"
        ).fetchall()
        managers = con.execute(
            "SELECT account_managers->>'$[0].account_name' FROM billing.customers"
        ).fetchall()
    assert current == [("c2", "Beta Ltd"), ("c3", "Gamma")]
    assert history == [
        ("c1", "Alpha", False),
        ("c2", "Beta", False),
        ("c2", "Beta Ltd", True),
        ("c3", "Gamma", True),
    ]
    assert managers == [("am-1",), ("am-1",)]


def test_replace_partitions_accepts_a_path_and_prevalidated_batches(tmp_path: Path) -> None:
    from schemas import consumption_records
    from warehouse.contract import LoadContext
    from warehouse.parse import PageParser, date_from
    from warehouse.replace import replace_partitions
    from warehouse.staging import LoadLog, Quarantine

    page = write_page(tmp_path / "p.json", [fee_record(i, DAY) for i in range(3)])
    with PageParser(consumption_records.SPEC, derived={"bill_date": date_from("trade_time_utc")}) as parser:
        (chunk,) = list(parser.parse([page]))
    context = LoadContext(run_id="direct", partner_domain_id="p-1")
    rows = chunk.frame.with_columns(
        pl.lit("p-1").alias("partner_domain_id"), pl.lit(context.load_id).alias("load_id")
    ).select([c.name for c in consumption_records.SPEC.all_columns])
    quarantine_rows = Quarantine()
    quarantine_rows.add("consumption_records", DAY.isoformat(), "x", ["made up"], {"id": "x"})
    result = replace_partitions(
        tmp_path / "w.duckdb",
        consumption_records.SPEC,
        [(DAY, date(2026, 1, 16))],
        [rows],
        context,
        quarantine_rows,
        LoadLog(rows_in=4),
    )
    assert result.rows_loaded == 3
    assert result.rows_quarantined == 1
    balanced(result)
    with writer(tmp_path / "w.duckdb") as con:
        assert con.execute(
            "SELECT count(*), min(partner_domain_id) FROM billing.consumption_records"
        ).fetchall() == [(3, "p-1")]
        assert con.execute("SELECT run_id, partitions FROM audit.load_log").fetchall() == [
            ("direct", [DAY.isoformat()])
        ]


@pytest.mark.parametrize(("source", "expected"), [("trade_time", date(2026, 1, 16)), ("consume_time", DAY)])
def test_bill_date_follows_the_configured_timestamp_in_beijing_time(
    tmp_path: Path, source: str, expected: date
) -> None:
    # trade 2026-01-15 16:30 UTC = Jan 16 00:30 Beijing; consumed 2026-01-14 17:00 UTC = Jan 15 01:00 Beijing
    record = fee_record(1, DAY, trade_time="2026-01-15T16:30:00Z", consume_time="2026-01-14T17:00:00Z")
    page = write_page(tmp_path / "p.json", [record])
    with writer(tmp_path / "w.duckdb") as con:
        result = load_consumption(con, [page], [DAY.isoformat(), "2026-01-16"], bill_date_from=source)
        rows = con.execute("SELECT bill_date FROM billing.consumption_records").fetchall()
    assert result.rows_loaded == 1
    assert rows == [(expected,)]
