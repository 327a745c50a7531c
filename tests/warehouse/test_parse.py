"""Page files -> typed frames: exact decimals on both paths, drift, missing fields, per-row cast errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from wh_pages import Raw, fee_pages, fee_record, write_page

from schemas import consumption_records
from schemas.json_numbers import find_inexact_numbers
from warehouse.connection import writer
from warehouse.loaders.consumption_records import load_consumption
from warehouse.parse import MissingFieldError, PageParser, date_from
from warehouse.replace import insert_arrow

DAY = date(2026, 1, 15)
EXACT_VALUES = [
    "0.1",
    "0.07",
    "0.00000001",
    "1e-8",
    "12345678.12345678",
    "99999999.99999999",
    "123456789012.123456789",
]


def _parser() -> PageParser:
    return PageParser(consumption_records.SPEC, derived={"bill_date": date_from("trade_time_utc")})


@pytest.mark.parametrize(
    ("text", "inexact"),
    [
        (b'{"a":0.1,"b":[12345678.1234567]}', False),
        (b'{"a":99999999.99999999}', True),
        (b'{"a": 123456789012.123456789}', True),
        (b'{"a":[1,-1234567890123456]}', True),
        (b'{"id":"12345678901234567890"}', False),
    ],
    ids=["short", "16-digits", "space-before", "negative-in-list", "digits-in-string"],
)
def test_find_inexact_numbers(text: bytes, inexact: bool) -> None:
    assert find_inexact_numbers(text) is inexact


@pytest.mark.parametrize("compact", [True, False], ids=["one-line", "spaced"])
def test_exact_values_end_to_end_into_decimal(tmp_path: Path, compact: bool) -> None:
    records = [fee_record(i, DAY, Raw(v), cash_amount=Raw(v)) for i, v in enumerate(EXACT_VALUES)]
    page = tmp_path / "page.json"
    from wh_pages import dumps

    page.write_text(dumps({"total_count": len(records), "currency": "CNY", "fee_records": records}, compact))
    with writer(tmp_path / "w.duckdb") as con:
        result = load_consumption(con, [page], [DAY.isoformat()])
        stored = dict(con.execute("SELECT id, payment_amount FROM billing.consumption_records").fetchall())
        dtype = con.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = 'consumption_records' "
            "AND column_name = 'payment_amount'"
        ).fetchall()[0][0]
    assert dtype == "DECIMAL(38,10)"
    assert result.rows_loaded == len(EXACT_VALUES)
    assert result.rows_quarantined == 0
    for i, v in enumerate(EXACT_VALUES):
        assert stored[f"fee-{i:08d}"] == Decimal(v), v
    assert result.amount_totals["payment_amount"] == sum(Decimal(v) for v in EXACT_VALUES)


def test_fast_path_is_taken_for_short_numbers_and_matches_the_slow_path(tmp_path: Path) -> None:
    pages = fee_pages(tmp_path / "fast", [DAY], per_day=300, page_size=100)
    with _parser() as parser:
        chunks = list(parser.parse(pages))
    assert sum(c.slow_pages for c in chunks) == 0
    fast = chunks[0].frame.head(100)
    # the same records with one long number force the exact slow path for that page
    slow_page = tmp_path / "slow.json"
    text = pages[0].read_text()
    slow_page.write_text(text.replace('"currency":"CNY"', '"currency":"CNY","x":1.0000000000000001', 1))
    with _parser() as parser:
        (chunk,) = list(parser.parse([slow_page]))
    assert chunk.slow_pages == 1
    cols = ["id", "bill_date", "payment_amount", "trade_time_utc", "charging_mode", "usage_amount"]
    assert chunk.frame.select(cols).equals(fast.select(cols))


def test_a_chunk_keeps_page_order_when_a_slow_page_comes_first(tmp_path: Path) -> None:
    """Slow pages are parsed after the fast ones; the chunk still lists rows in page order, then record
    order (quarantine rows and `_idx` point back at the page and position a row came from)."""
    pages = fee_pages(tmp_path / "p", [DAY], per_day=300, page_size=100)
    first, long_number = pages[0], '"currency":"CNY","x":1.0000000000000001'
    first.write_text(first.read_text().replace('"currency":"CNY"', long_number, 1))
    with _parser() as parser:
        (chunk,) = list(parser.parse(pages))
    assert chunk.slow_pages == 1
    expected = [(str(page), i) for page in pages for i in range(100)]
    assert list(zip(chunk.frame["_source"], chunk.frame["_idx"], strict=True)) == expected


def test_more_than_ten_decimals_is_quarantined_never_rounded(tmp_path: Path) -> None:
    records = [
        fee_record(1, DAY, Raw("0.123456789012")),  # 12 sig digits: fast path, cast would round
        fee_record(2, DAY, Raw("1.5e-12")),
        fee_record(3, DAY, Raw("1234567.12345678901")),  # 18 digits: slow path
        fee_record(4, DAY, Raw("2.5")),
    ]
    page = write_page(tmp_path / "p.json", records)
    with writer(tmp_path / "w.duckdb") as con:
        result = load_consumption(con, [page], [DAY.isoformat()])
        loaded = con.execute("SELECT id, payment_amount FROM billing.consumption_records").fetchall()
        reasons = dict(con.execute("SELECT record_key, reasons FROM audit.quarantine").fetchall())
    assert loaded == [("fee-00000004", Decimal("2.5"))]
    assert result.rows_in == 4 == result.rows_loaded + result.rows_quarantined
    for key in ("fee-00000001", "fee-00000002", "fee-00000003"):
        assert "payment_amount" in reasons[key]
        assert "DECIMAL(38,10)" in reasons[key]


def test_unknown_field_goes_to_extra_and_schema_drift(tmp_path: Path) -> None:
    records = [fee_record(1, DAY), fee_record(2, DAY, brand_new_field={"tier": "gold"})]
    page = write_page(tmp_path / "p.json", records)
    with writer(tmp_path / "w.duckdb") as con:
        result = load_consumption(con, [page], [DAY.isoformat()])
        extra = dict(con.execute("SELECT id, extra FROM billing.consumption_records").fetchall())
        drift = con.execute("SELECT dataset, field, sample FROM audit.schema_drift").fetchall()
    assert result.rows_loaded == 2 == result.rows_in
    assert result.rows_quarantined == 0
    assert extra["fee-00000001"] is None
    assert '"tier": "gold"' in extra["fee-00000002"]
    assert drift == [("consumption_records", "brand_new_field", '{"tier": "gold"}')]
    assert result.drift == ["brand_new_field"]


def test_missing_required_field_fails_the_load_naming_field_and_endpoint(tmp_path: Path) -> None:
    records = [fee_record(i, DAY) for i in range(3)]
    for r in records:
        del r["payment_amount"]
    page = write_page(tmp_path / "p.json", records)
    with writer(tmp_path / "w.duckdb") as con:
        with pytest.raises(MissingFieldError) as caught:
            load_consumption(con, [page], [DAY.isoformat()])
        assert con.execute("SELECT count(*) FROM audit.load_log").fetchall() == [(0,)]
    assert "payment_amount" in str(caught.value)
    assert "/v2/bills/subcustomer-bills/res-fee-records" in str(caught.value)


def test_wrong_types_become_row_reasons(tmp_path: Path) -> None:
    records = [
        fee_record(1, DAY, charging_mode="monthly"),
        fee_record(2, DAY, trade_time="2026-01-15 10:00:00+08:00"),
        fee_record(3, DAY, payment_amount="12,50"),
        fee_record(4, DAY),
    ]
    page = write_page(tmp_path / "p.json", records)
    with _parser() as parser:
        (chunk,) = list(parser.parse([page]))
    errors = dict(zip(chunk.frame["id"].to_list(), chunk.frame["_errors"].to_list(), strict=True))
    assert any("charging_mode: not an integer" in e for e in errors["fee-00000001"])
    assert any("trade_time: not a UTC timestamp" in e for e in errors["fee-00000002"])
    assert any("payment_amount: not an exact DECIMAL" in e for e in errors["fee-00000003"])
    assert errors["fee-00000004"] == []


def test_million_random_8_decimal_amounts_sum_exactly(tmp_path: Path) -> None:
    import random

    rng = random.Random(20261124)
    n, size = 1_000_000, 10_000
    amounts = [rng.randint(-(10**15) + 1, 10**15 - 1) for _ in range(n)]  # 8 decimals, <= 15 digits
    expected = sum(Decimal(a).scaleb(-8) for a in amounts)
    pages = []
    for p in range(n // size):
        body = ",".join(
            f'{{"id":"{p * size + k}","amt":{format(Decimal(a).scaleb(-8), "f")}}}'
            for k, a in enumerate(amounts[p * size : (p + 1) * size])
        )
        path = tmp_path / f"m{p:04d}.json"
        path.write_text(f'{{"total_count":{n},"currency":"CNY","fee_records":[{body}]}}')
        pages.append(path)
    from schemas.columns import DatasetSpec, money, wire

    spec = DatasetSpec(
        name="amounts",
        table="t",
        endpoint="test",
        records_field="fee_records",
        partition_column="id",
        partition_kind="month",
        key=("id",),
        columns=(wire("id"), money("amt")),
    )
    con = duckdb.connect(str(tmp_path / "sum.duckdb"))
    con.execute("CREATE TABLE t (id VARCHAR, amt DECIMAL(38, 10))")
    with PageParser(spec, chunk_pages=25) as parser:
        slow = 0
        for chunk in parser.parse(pages):
            assert chunk.frame["_errors"].list.len().sum() == 0
            slow += chunk.slow_pages
            insert_arrow(con, "t", chunk.frame.select("id", "amt"))
    total, rows = con.execute("SELECT sum(amt), count(*) FROM t").fetchall()[0]
    con.close()
    assert rows == n
    assert slow == 0
    assert total == expected


def test_parse_ahead_yields_the_chunks_of_parse_from_a_lazy_stream(tmp_path: Path) -> None:
    pages = fee_pages(tmp_path / "ahead", [DAY], per_day=500, page_size=100)
    pulled: list[Path] = []

    def stream() -> Iterator[Path]:
        for page in pages:
            pulled.append(page)
            yield page

    with _parser() as parser:
        parser.chunk_pages = 2
        expected = [c.frame for c in parser.parse(pages)]
        ahead = parser.parse_ahead(stream())
        first = next(ahead)
        assert len(pulled) >= 2  # the worker read the stream for the chunks it parsed
        rest = [c.frame for c in ahead]
    got = [first.frame, *rest]
    assert [f.height for f in got] == [200, 200, 100]
    assert all(a.equals(b) for a, b in zip(got, expected, strict=True))


def test_parse_ahead_raises_the_parsers_error_in_the_caller(tmp_path: Path) -> None:
    good = fee_pages(tmp_path / "ok", [DAY], per_day=100, page_size=100)
    broken = tmp_path / "broken.json"
    broken.write_text(good[0].read_text().replace('"id":', '"ident":'))
    with _parser() as parser:
        parser.chunk_pages = 1
        with pytest.raises(MissingFieldError, match="'id'"):
            list(parser.parse_ahead([*good, broken]))
