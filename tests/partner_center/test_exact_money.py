"""No amount may lose a digit: detection of numbers a double cannot carry, and the exact path into DuckDB."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import orjson
import polars as pl
import pytest

from partner_center.client import PartnerCenterClient
from partner_center.config import Settings
from partner_center.paging import Sweep
from schemas.consumption_records import SPEC
from schemas.json_numbers import find_inexact_numbers, inexact_numbers, significant_digits
from warehouse.parse import PageParser, date_from

ISSUE_VALUES = ["0.1", "0.07", "0.00000001", "1e-8", "12345678.12345678", "99999999.99999999",
                "123456789012.123456789"]


def _digits(text: str) -> int:
    """Significant digits computed independently, through Decimal."""
    return len(Decimal(text).normalize().as_tuple().digits)


@pytest.mark.parametrize("text", ISSUE_VALUES)
def test_issue_values_over_15_digits_are_flagged_and_the_rest_survive_a_double(text: str) -> None:
    page = b'{"total_count":1,"fee_records":[{"id":"a","payment_amount":' + text.encode() + b"}]}"
    assert find_inexact_numbers(page) == (_digits(text) > 15)
    if not find_inexact_numbers(page):
        assert Decimal(repr(float(text))) == Decimal(text)


def test_random_numbers_up_to_15_digits_survive_a_double_and_longer_ones_are_flagged() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        digits = rng.randint(1, 22)
        mantissa = str(rng.randrange(10 ** (digits - 1), 10**digits))
        point = rng.randint(0, digits)
        text = (mantissa[:point] or "0") + ("." + mantissa[point:] if point < digits else "")
        if rng.random() < 0.3:
            text = "-" + text
        page = b'{"a":[' + text.encode() + b"]}"
        assert significant_digits(text) == _digits(text)
        assert find_inexact_numbers(page) == (_digits(text) > 15), text
        if _digits(text) <= 15:
            assert Decimal(repr(float(text))) == Decimal(text), text


def test_numbers_inside_strings_and_long_ids_are_not_flagged() -> None:
    page = orjson.dumps({"total_count": 2, "fee_records": [
        {"id": "12345678901234567890", "resource_name": "x 99999999.99999999", "payment_amount": 0.07},
        {"id": "f2beae8d8da74df3994434754367118a", "payment_amount": 1.5},
    ]})
    assert not find_inexact_numbers(page)
    pretty = json.dumps({"a": {"b": [1, 2]}, "amount": 0}, indent=2).replace("0", "99999999.99999999")
    assert inexact_numbers(pretty.encode()) == ["99999999.99999999"]


WORLD: dict[str, Any] = {"today": date(2026, 3, 10), "first_day": date(2026, 1, 1), "customers": 2,
                         "rate_limit": None, "seed": 21}


def _page_with_amounts(template: dict[str, Any], values: list[str]) -> bytes:
    """A res-fee-records page whose records carry `values` as payment_amount, exactly as written."""
    records = [dict(template, id=f"exact-{text}", payment_amount=orjson.Fragment(text.encode()))
               for text in values]
    return orjson.dumps({"total_count": len(records), "currency": "CNY", "fee_records": records},
                        default=lambda d: orjson.Fragment(format(d, "f").encode()))


def test_amounts_reach_a_duckdb_decimal_column_exactly(sandbox_factory: Any, tmp_path: Path) -> None:
    """Sandbox -> client sweep -> warehouse.parse -> DuckDB DECIMAL(38,10), no digit lost on either path."""
    box = sandbox_factory(**WORLD)
    settings = Settings.for_endpoint(box.url, box.ak, box.sk, box.domain_id, rate_limit=500.0)

    async def sweep() -> Sweep:
        async with PartnerCenterClient(settings) as pc:
            listed = await pc.json("consume_sub_customers", {"bill_cycle": "2026-02", "limit": 100})
            params = {"bill_cycle": "2026-02", "customer_id": listed["sub_customers"][0]["customer_id"]}
            return await pc.sweep("res_fee_records", params, tmp_path)

    swept = asyncio.run(sweep())
    template = json.loads(swept.page_files[0].read_bytes(), parse_float=Decimal)["fee_records"][0]
    short = [v for v in ISSUE_VALUES if _digits(v) <= 15]
    long = [v for v in ISSUE_VALUES if _digits(v) > 15]
    pages = [tmp_path / "short.json", tmp_path / "long.json"]
    pages[0].write_bytes(_page_with_amounts(template, short))
    pages[1].write_bytes(_page_with_amounts(template, long))
    assert [find_inexact_numbers(p.read_bytes()) for p in pages] == [False, True]
    with PageParser(SPEC, derived={"bill_date": date_from("trade_time_utc")}) as parser:
        chunks = list(parser.parse([*swept.page_files, *pages]))
    frame = pl.concat([c.frame for c in chunks])
    con = duckdb.connect(str(tmp_path / "exact.duckdb"))
    con.execute("CREATE TABLE amounts (id VARCHAR, payment_amount DECIMAL(38,10))")
    table = frame.select("id", "payment_amount").to_arrow()
    con.register("incoming", table)
    con.execute("INSERT INTO amounts SELECT id, payment_amount FROM incoming")
    stored = dict(con.execute("SELECT id, payment_amount FROM amounts").fetchall())
    con.close()
    for text in ISSUE_VALUES:
        assert stored[f"exact-{text}"] == Decimal(text), text
    originals = {r["id"]: r["payment_amount"] for p in swept.page_files
                 for r in json.loads(p.read_bytes(), parse_float=Decimal)["fee_records"]}
    assert {k: stored[k] for k in originals} == originals
