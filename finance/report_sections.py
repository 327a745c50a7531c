"""Parts of the reconciliation report beyond the findings: month over month per customer, the settings as
a table and chart label widths; the report's words are `finance.labels.word` (`pbw reconcile --lang`)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from typing import Any

import duckdb
import polars as pl

from finance.labels import word
from finance.safe_cells import esc, money
from warehouse.sqlfiles import sql


def previous_month(month: str) -> str:
    """'YYYY-MM' of the month before."""
    first = dt.date.fromisoformat(f"{month}-01")
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def read_month_over_month(con: duckdb.DuckDBPyConnection, month: str) -> pl.DataFrame:
    """Per customer and service: this month's and the previous month's payable amounts and the trend."""
    return con.sql(
        sql("select_month_over_month", package="finance"),
        params={"month": month, "previous": previous_month(month)},
    ).pl()


def text_width(text: str, size: float) -> float:
    """Approximate rendered width in px: wide (CJK) characters are a full em, others about 0.6 em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def fit_label(text: str, size: float, limit: float) -> str:
    """The label cut with an ellipsis to fit `limit` px (the full text stays in the bar's tooltip)."""
    if text_width(text, size) <= limit:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > limit:
            break
        out += ch
    return out + "…"


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k} = {_value(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "-"
    return str(value)


def settings_table(settings: Mapping[str, Any], lang: str) -> str:
    """The run's settings as table rows: one setting per row, nested tables as `key = value` lists."""
    head = f"<tr><th>{esc(word('setting', lang))}</th><th>{esc(word('value', lang))}</th></tr>"
    rows = "".join(
        f"<tr><td>{esc(key)}</td><td>{esc(_value(value))}</td></tr>" for key, value in settings.items()
    )
    return head + rows


def month_over_month_html(frame: pl.DataFrame, names: Mapping[str, str], month: str, lang: str) -> str:
    """One small table per customer of what changed; a sentence when the previous month has no data."""
    previous = previous_month(month)
    if frame.is_empty() or frame["previous_amount"].is_null().all():
        return f"<p>{esc(word('mom_none', lang, previous=previous))}</p>"
    parts = [f"<p><small>{esc(word('mom_note', lang, previous=previous, month=month))}</small></p>"]
    heads = "".join(
        f'<th class="{"num" if k in ("previous", "current", "change") else ""}">{esc(word(k, lang))}</th>'
        for k in ("service", "previous", "current", "change", "trend")
    )
    for (customer_id,), rows in frame.group_by("customer_id", maintain_order=True):
        changed = rows.filter(pl.col("trend") != "unchanged")
        if changed.is_empty():
            continue
        name = names.get(str(customer_id), "")
        body = "".join(
            f"<tr><td>{esc(r['service_type_name'] or r['service_type_code'])} "
            f"<small>{esc(r['service_type_code'])}</small></td>"
            f'<td class="num">{esc(money(r["previous_amount"]))}</td>'
            f'<td class="num">{esc(money(r["amount"]))}</td>'
            f'<td class="num">{esc(money(r["change"]))}</td>'
            f'<td class="trend-{esc(r["trend"])}">{esc(word(r["trend"], lang))}</td></tr>'
            for r in changed.iter_rows(named=True)
        )
        parts.append(
            f"<h3>{esc(name)} <small>{esc(customer_id)}</small></h3>"
            f'<table class="mom"><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>'
        )
    return "\n".join(parts)
