"""`pbw reconcile --lang zh|both`: every word a person reads in the HTML report and the XLSX sheet names and
headers in Chinese (or both), the figures the same as in English, on a real DuckDB month with findings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from recon_world import MONTH, PLAN_RATES, PRODUCT_POLICIES, break_every_rule, build_world, open_warehouse

from finance.reconciliation.engine import reconcile_month
from finance.reconciliation.settings import ReconciliationSettings
from finance.reports import read_report_data, render_html, write_report

SETTINGS = ReconciliationSettings(plan_rates=PLAN_RATES, product_policies=PRODUCT_POLICIES)
ENGLISH = (
    "Consumption, resale",
    "Incentives due",
    "Daily consumption",
    "R1 variance by customer",
    "Top 10 findings",
    "Incentives due vs paid",
    " Rule ",
    "Difference",
    "Balance type",
    "within tolerance",
    " mismatched ",
    "Unexplained findings",
    "unexplained finding(s)",
    "Incentives pending",
    "generated",
)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    root = tmp_path_factory.mktemp("lang")
    con = open_warehouse(root / "w.duckdb")
    world = build_world()
    break_every_rule(world)
    world.load(con)
    run_id = reconcile_month(con, MONTH, SETTINGS).run_id
    out = {lang: write_report(con, run_id, root / lang, lang=lang) for lang in ("en", "zh", "both")}
    con.close()
    return out


def _visible(html: str) -> str:
    """The text a person reads: tags and the style block removed, tooltips (<title>) kept."""
    return re.sub(r"<[^>]+>", " ", html.split("</style>")[1])


def test_zh_report_has_no_english_words_left_and_both_has_both(reports: dict[str, dict[str, Path]]) -> None:
    en, zh, both = (_visible(reports[k]["html"].read_text(encoding="utf-8")) for k in ("en", "zh", "both"))
    for words in ENGLISH:
        assert words in en, words
        assert words not in zh, words
        assert words in both, words
    chinese = (
        "消费，转售（费用记录）", "每日消费（应付，元）", "各客户 R1 差额", "差额最大的 10 条差异",
        "应付激励与已付激励", "规则", "差额", "余额类型", "不一致", "未解释的差异", "激励待支付",
    )  # fmt: skip
    for words in (*chinese, "生成于"):
        assert words in zh, words
        assert words in both, words
    assert 'lang="zh"' in reports["zh"]["html"].read_text(encoding="utf-8")
    # the figures are the same in every language
    numbers = re.compile(r"-?\d[\d,]*\.\d\d")
    assert numbers.findall(zh) == numbers.findall(en)


def test_zh_workbook_sheets_and_headers_in_chinese_values_unchanged(
    reports: dict[str, dict[str, Path]],
) -> None:
    en = pl.read_excel(reports["en"]["xlsx"], sheet_id=0)
    zh = pl.read_excel(reports["zh"]["xlsx"], sheet_id=0)
    both = pl.read_excel(reports["both"]["xlsx"], sheet_id=0)
    assert "detail_vs_bill" in en
    assert list(zh) == ["汇总", *(k for k in zh if k != "汇总")]
    assert {"明细对账单", "账单对收支", "激励基数", "激励支付", "拉取条数"} <= set(zh)
    assert "明细对账单 detail vs bill" in both
    r1_en, r1_zh = en["detail_vs_bill"], zh["明细对账单"]
    assert r1_zh.columns == [
        "规则", "账期", "客户ID", "客户", "计费模式", "左侧", "右侧", "差额", "状态", "说明",
    ]  # fmt: skip
    assert r1_en.columns == [
        "rule", "cycle", "customer_id", "customer_name", "charging_mode",
        "left_amount", "right_amount", "difference", "status", "detail",
    ]  # fmt: skip
    assert r1_zh.rows() == r1_en.rows()
    assert both["明细对账单 detail vs bill"].columns[1] == "账期 Cycle"


def test_all_matched_with_incentives_unpaid_is_not_green(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    build_world().load(con)
    run_id = reconcile_month(con, MONTH, SETTINGS).run_id
    data = read_report_data(con, run_id)
    con.close()
    assert data.verdict.kind == "ok"
    assert 'class="verdict ok"' in render_html(data, dt.datetime(2026, 4, 6), "zh")
    unpaid = data.incentives.with_columns(pl.col("paid_amount").fill_null(0) * 0)
    html = render_html(dataclasses.replace(data, incentives=unpaid), dt.datetime(2026, 4, 6), "zh")
    assert 'class="verdict ok"' not in html
    assert 'class="verdict pending" id="verdict">全部一致或在容差范围内。' in html
    assert "激励待支付" in html
