"""Contracts: specs agree with the DDL, code tables, header aliases, and the good/bad split of validation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl
import pytest
from contract_specs import SPECS

from schemas import codes, consumption_records, validation
from schemas.columns import DatasetSpec, normalize_header
from schemas.validation import RuleSettings, duplicate_mask, split_valid
from warehouse.connection import duckdb_config, quiet
from warehouse.migrate import apply_migrations


def memory_warehouse() -> duckdb.DuckDBPyConnection:
    """An in-memory, fully migrated warehouse (tests/warehouse/wh_helpers.py has the same for that folder)."""
    con = quiet(duckdb.connect(":memory:", config=duckdb_config()))
    apply_migrations(con)
    return con


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_spec_columns_match_the_table_ddl(spec: DatasetSpec) -> None:
    con = memory_warehouse()
    schema, table = spec.table.split(".")
    ddl = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    expected = [(c.name, c.duckdb_type.replace(", ", ",")) for c in spec.all_columns]
    assert ddl == expected


def test_code_labels_in_both_languages_and_unknown_codes() -> None:
    assert codes.label("bill_detail_type", 4, "zh") == "退订"
    assert codes.label("charging_mode", 3) == "on-demand"
    assert codes.label("charging_mode", 99) == "99"
    assert codes.REFUND_BILL_DETAIL_TYPES.isdisjoint(codes.CONSUMPTION_BILL_DETAIL_TYPES)
    assert codes.canonical_incentive_status(" 已完成 ") == "paid"
    assert codes.canonical_incentive_status("Completed") == "paid"
    assert codes.canonical_incentive_status("神秘") == "other"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Incentive Bill ID", "incentive_bill_id"),
        ("激励账单ID（元）", "激励账单ID(元)"),
        ("\ufeffOrder No.", "order no"),
    ],
)
def test_header_normalization(a: str, b: str) -> None:
    assert normalize_header(a) == normalize_header(b)


def test_duplicate_mask_marks_second_copies_within_and_across_frames() -> None:
    seen: set[tuple[object, ...]] = set()
    first = pl.DataFrame({"id": ["a", "b", "a", None, None]})
    assert duplicate_mask(first, ("id",), seen).to_list() == [False, False, True, False, False]
    second = pl.DataFrame({"id": ["c", "b"]})
    assert duplicate_mask(second, ("id",), seen).to_list() == [False, True]


def _fee_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    base = {c.name: None for c in consumption_records.SPEC.all_columns}
    full = [
        {
            **base,
            "id": f"r{i}",
            "bill_date": date(2026, 1, 5),
            "bill_cycle": "2026-01",
            "customer_id": "c",
            "bill_detail_type": 5,
            "trade_time_utc": datetime(2026, 1, 5, 2),
            "payment_amount": Decimal("10"),
            "cash_amount": Decimal("10"),
            "official_amount": Decimal("10"),
            "currency": "CNY",
            "partner_domain_id": "p",
            "load_id": "l",
            **row,
        }
        for i, row in enumerate(rows)
    ]
    return pl.DataFrame(full, schema=consumption_records.SPEC.polars_schema)


def test_split_valid_collects_every_reason_of_a_row() -> None:
    frame = _fee_frame(
        [
            {},
            {"currency": "USD", "bill_cycle": "2026-02"},
            {"bill_detail_type": 4, "payment_amount": Decimal("3"), "cash_amount": Decimal("3")},
            {"payment_amount": Decimal("10.005")},
        ]
    ).with_columns(pl.Series("_errors", [[], [], [], []], dtype=pl.List(pl.String)))
    names = [r.name for r in consumption_records.S_RULES]
    warn = split_valid(frame, consumption_records.model(RuleSettings()), ("id",), RuleSettings(), names)
    assert warn.good["id"].to_list() == ["r0", "r2", "r3"]
    reasons = dict(zip(warn.bad["id"].to_list(), warn.bad["_reasons"].to_list(), strict=True))
    assert {r.split(":")[0] for r in reasons["r1"]} == {
        "h1_currency_cny",
        "h1_bill_date_in_cycle",
        "h1_trade_time_in_cycle",
    }
    assert warn.warnings == {"s6_refund_sign": 1, "s5_list_minus_discount": 1}  # r3 within tolerance for s4
    strict = RuleSettings(s_action="quarantine", tolerance=Decimal("0.001"))
    hard = split_valid(frame, consumption_records.model(strict), ("id",), strict, names)
    assert hard.good["id"].to_list() == ["r0"]
    assert hard.warnings == {}
    off = RuleSettings(s_action="off")
    assert split_valid(frame, consumption_records.model(off), ("id",), off, names).good.height == 3


def _split_by_pandera_alone(
    frame: pl.DataFrame, settings: RuleSettings, monkeypatch: pytest.MonkeyPatch
) -> Any:
    with monkeypatch.context() as patched:
        patched.setattr(validation, "suspect_rows", lambda frame, model: None)
        names = [r.name for r in consumption_records.S_RULES]
        return split_valid(frame, consumption_records.model(settings), ("id",), settings, names)


@pytest.mark.parametrize(
    "settings", [RuleSettings(), RuleSettings(s_action="quarantine")], ids=["warn", "strict"]
)
def test_prescreen_gives_pandera_s_verdict_on_every_row(
    settings: RuleSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows: list[dict[str, object]] = [{} for _ in range(40)]
    rows[3] = {"currency": "USD", "bill_cycle": "2026-02"}
    rows[17] = {"bill_detail_type": 4, "payment_amount": Decimal("3"), "cash_amount": Decimal("3")}
    rows[18] = {"customer_id": None}
    rows[30] = {"payment_amount": Decimal("10.5")}
    rows[39] = {"currency": None}
    frame = _fee_frame(rows).with_columns(pl.Series("_errors", [[]] * 40, dtype=pl.List(pl.String)))
    model = consumption_records.model(settings)
    assert validation.suspect_rows(frame, model) is not None
    names = [r.name for r in consumption_records.S_RULES]
    fast = split_valid(frame, model, ("id",), settings, names)
    full = _split_by_pandera_alone(frame, settings, monkeypatch)
    assert fast.good.equals(full.good)
    assert fast.bad.equals(full.bad)
    assert fast.warnings == full.warnings
    assert fast.bad.height >= 3
    reasons = dict(zip(fast.bad["id"].to_list(), fast.bad["_reasons"].to_list(), strict=True))
    assert reasons["r18"] == ["customer_id: required value is null"]


def test_prescreen_flags_exactly_the_rows_some_check_fails() -> None:
    frame = _fee_frame([{}, {"currency": "USD"}, {}, {"bill_cycle": None}])
    suspects = validation.suspect_rows(frame, consumption_records.model(RuleSettings()))
    assert suspects is not None
    assert suspects.to_list() == [False, True, False, True]


def test_a_frame_whose_dtypes_differ_goes_to_pandera_whole() -> None:
    frame = _fee_frame([{}]).with_columns(pl.col("charging_mode").cast(pl.String))
    model = consumption_records.model(RuleSettings())
    assert validation.suspect_rows(frame, model) is None
    with pytest.raises(ValueError, match="does not fit the contract"):
        split_valid(frame, model, ("id",), RuleSettings())
