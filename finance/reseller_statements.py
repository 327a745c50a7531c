"""A reseller's monthly statement (对账单), HTML and XLSX: its customers' consumption by customer and service,
coupon quotas, funds allocated and reclaimed, balance, and incentives on its customers.

Reuses the report machinery: escaped HTML from a template, XLSX cells written as numbers or text (never a
formula), amounts exact in the data and shown to the cent; section totals are sums of the exact rows.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import xlsxwriter

from finance.resellers import ResellerStatement, read_statement, reseller_ids
from finance.safe_cells import esc, money, write_cell

STATEMENTS_DIR = "statements"


@dataclass(frozen=True)
class Section:
    """One table of the statement: its title, the columns shown (name, label) and the money columns summed."""

    key: str
    title: str
    columns: tuple[tuple[str, str], ...]
    totals: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section(
        "consumption",
        "客户消费 Consumption by customer and service",
        (
            ("customer_id", "客户 ID"),
            ("customer_name", "客户名称"),
            ("service_type_code", "服务"),
            ("service_type_name", "服务名称"),
            ("records", "记录数"),
            ("official_amount", "官网价"),
            ("discount_amount", "折扣"),
            ("coupon_amount", "代金券"),
            ("payment_amount", "应付金额"),
        ),
        ("official_amount", "discount_amount", "coupon_amount", "payment_amount"),
    ),
    Section(
        "quotas",
        "代金券额度 Coupon quotas",
        (
            ("quota_id", "额度 ID"),
            ("quota_type", "类型"),
            ("quota_status", "状态"),
            ("quota_value", "面额"),
            ("balance", "余额"),
            ("issued_in_month", "本月下发"),
            ("reclaimed_in_month", "本月回收"),
        ),
        ("issued_in_month", "reclaimed_in_month"),
    ),
    Section(
        "funds",
        "资金拨款与回收 Funds allocated and reclaimed",
        (
            ("trade_date", "日期"),
            ("booked_by", "记账方"),
            ("trade_detail_type", "类型"),
            ("balance_type", "账户"),
            ("amount", "金额"),
        ),
    ),
    Section(
        "balances",
        "余额 Balance",
        (
            ("snapshot_date", "日期"),
            ("account_id", "账户"),
            ("account_type", "账户类型"),
            ("amount", "余额"),
            ("credit_amount", "信用额度"),
        ),
    ),
    Section(
        "incentives",
        "客户激励 Incentives on its customers",
        (
            ("incentive_data_id", "激励数据 ID"),
            ("customer_name", "客户名称"),
            ("product_type", "产品类型"),
            ("plan_name", "激励计划"),
            ("base_amount", "激励基数"),
            ("rate", "比例"),
            ("incentive_amount", "激励金额"),
            ("status", "状态"),
        ),
        ("incentive_amount",),
    ),
)


def _frame(statement: ResellerStatement, key: str) -> pl.DataFrame:
    frame: pl.DataFrame = getattr(statement, key)
    return frame


def _total(frame: pl.DataFrame, column: str) -> Decimal:
    return sum((Decimal(v) for v in frame[column].to_list() if v is not None), Decimal(0))


def _cell(value: Any, money_column: bool) -> str:
    if isinstance(value, Decimal) and money_column:
        return f'<td class="num">{esc(money(value))}</td>'
    if isinstance(value, Decimal | int):
        return f'<td class="num">{esc(value)}</td>'
    if isinstance(value, str) and len(value) >= 24 and value.isalnum():
        return f'<td class="id">{esc(value)}</td>'  # a 32-hex id
    return f"<td>{esc(value)}</td>"


def _section_html(statement: ResellerStatement, section: Section) -> str:
    frame = _frame(statement, section.key)
    money_columns = {
        "official_amount",
        "discount_amount",
        "coupon_amount",
        "payment_amount",
        "quota_value",
        "balance",
        "issued_in_month",
        "reclaimed_in_month",
        "amount",
        "credit_amount",
        "base_amount",
        "incentive_amount",
    }
    head = "".join(f"<th>{esc(label)}</th>" for _, label in section.columns)
    rows = [
        "<tr>" + "".join(_cell(row[name], name in money_columns) for name, _ in section.columns) + "</tr>"
        for row in frame.iter_rows(named=True)
    ] or [f'<tr><td colspan="{len(section.columns)}">无 none</td></tr>']
    if section.totals and frame.height:
        cells = [
            f'<td class="num">{esc(money(_total(frame, name)))}</td>'
            if name in section.totals
            else ("<td>合计 Total</td>" if i == 0 else "<td></td>")
            for i, (name, _) in enumerate(section.columns)
        ]
        rows.append('<tr class="total">' + "".join(cells) + "</tr>")
    return (
        f'<h2>{esc(section.title)}</h2>\n<table id="{section.key}"><thead><tr>{head}</tr></thead>'
        f"<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def render_html(statement: ResellerStatement, generated_at: dt.datetime) -> str:
    """The statement as one self-contained HTML page (Chinese and English labels; every value escaped)."""
    template = string.Template(
        resources.files("finance")
        .joinpath("templates", "reseller_statement.html")
        .read_text(encoding="utf-8")
    )
    meta = [
        ("经销商 Reseller", statement.name),
        ("账号 Account", statement.account_name),
        ("经销商 ID", statement.indirect_partner_id),
        ("账期 Month (Beijing)", statement.month),
        ("消费合计 Consumption total (CNY)", money(statement.consumption_total)),
    ]
    return template.substitute(
        title=esc(f"{statement.name} {statement.month} 对账单"),
        heading=esc(f"{statement.name} · {statement.month} 经销商对账单 Reseller statement"),
        meta="\n".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in meta),
        sections="\n".join(_section_html(statement, s) for s in SECTIONS),
        note=esc(
            f"Generated {generated_at.isoformat(sep=' ', timespec='seconds')} UTC. Consumption covers only "
            "the days each customer was this reseller's customer (its view of the fee records); amounts "
            "are exact sums shown to the cent."
        ),
    )


def write_xlsx(statement: ResellerStatement, path: Path) -> Path:
    """One sheet per section (header, exact rows, a total row for the summed columns)."""
    book = xlsxwriter.Workbook(str(path))
    try:
        fmt = book.add_format({"num_format": "#,##0.00"})
        bold = book.add_format({"bold": True})
        for section in SECTIONS:
            frame = _frame(statement, section.key)
            sheet = book.add_worksheet(section.key)
            for c, (_, label) in enumerate(section.columns):
                sheet.write_string(0, c, label, bold)
                sheet.set_column(c, c, 20)
            for r, row in enumerate(frame.iter_rows(named=True), start=1):
                for c, (name, _) in enumerate(section.columns):
                    write_cell(sheet, r, c, row[name], fmt)
            if section.totals and frame.height:
                last = frame.height + 1
                sheet.write_string(last, 0, "合计 Total", bold)
                for c, (name, _) in enumerate(section.columns):
                    if name in section.totals:
                        write_cell(sheet, last, c, _total(frame, name), fmt)
            sheet.freeze_panes(1, 0)
    finally:
        book.close()
    return path


def write_statements(
    con: duckdb.DuckDBPyConnection,
    month: str,
    out_dir: Path,
    resellers: Sequence[str] | None = None,
    generated_at: dt.datetime | None = None,
) -> list[Path]:
    """`out_dir/statements/<account>-<month>.html` and `.xlsx` for every reseller (or the ones named),
    stamped with the run's clock (`generated_at`, naive UTC; PBW_TODAY pins it): a replay writes the same."""
    folder = out_dir / STATEMENTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    now = generated_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    written: list[Path] = []
    for reseller in resellers or reseller_ids(con):
        statement = read_statement(con, month, reseller)
        stem = re.sub(r"[^\w.-]", "_", statement.account_name or reseller) + f"-{month}"
        html_path = folder / f"{stem}.html"
        html_path.write_text(render_html(statement, now), encoding="utf-8")
        written += [html_path, write_xlsx(statement, folder / f"{stem}.xlsx")]
    return written
