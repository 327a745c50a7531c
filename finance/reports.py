"""The monthly reconciliation report: one offline HTML file (inline SVG charts), an XLSX workbook and CSVs.

Everything a month-end reviewer needs travels as files: no external assets, scripts or fonts, so the
HTML opens the same from an e-mail attachment as from the share.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import xlsxwriter

from finance.labels import word
from finance.reconciliation.engine import OK_STATUSES, STATUSES, load_findings
from finance.reconciliation.settings import RULES
from finance.report_charts import bar_chart
from finance.report_sections import month_over_month_html, read_month_over_month, settings_table
from finance.safe_cells import esc, money, write_cell, write_csv
from warehouse.sqlfiles import sql

REPORT_STEM = "reconciliation"
TOP_FINDINGS = 10
_HEADINGS = ("totals", "per_rule", "charts", "unexplained", "drilldown", "settings", "settings_note", "mom")
_HEADERS = ("rule", "kind", "keys", "left_amount", "right_amount", "difference", "status", "detail")
_DRILL_HEADERS = ("balance_type", "day", "funded", "paid", "difference")


@dataclass(frozen=True)
class Verdict:
    """The report's headline: a CSS class (ok, bad, empty) and the sentence shown."""

    kind: str
    text: str


@dataclass(frozen=True)
class ReportData:
    """What the report shows, read once from the marts."""

    month: str
    run_id: str
    settings: dict[str, Any]
    findings: pl.DataFrame
    daily: pl.DataFrame
    variance: pl.DataFrame
    incentives: pl.DataFrame
    drilldown: pl.DataFrame
    data_rows: dict[str, int]
    customer_names: dict[str, str] = field(default_factory=dict)
    month_over_month: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def has_data(self) -> bool:
        """Any fact row of the month loaded: a month without data must never read as all matched."""
        return any(self.data_rows.values())

    @property
    def verdict(self) -> Verdict:
        """The verdict in English (the CLI's words)."""
        return self.verdict_in("en")

    def verdict_in(self, lang: str) -> Verdict:
        """What the month amounts to: no data, nothing compared, all explained or findings to look at."""
        if not self.has_data:
            return Verdict("empty", word("verdict_no_data", lang, month=self.month))
        if self.findings.is_empty():
            return Verdict("empty", word("verdict_nothing", lang, month=self.month))
        n = self.unexplained.height
        if n:
            return Verdict("bad", word("verdict_bad", lang, n=n))
        return Verdict("ok", word("verdict_ok", lang))

    def pending_incentives(self) -> tuple[int, Decimal]:
        """Incentive bills whose due amount is not (fully) paid yet, and how much is still open."""
        count, open_amount = 0, Decimal(0)
        for row in self.incentives.iter_rows(named=True):
            gap = (row["due_amount"] or Decimal(0)) - (row["paid_amount"] or Decimal(0))
            if gap > 0:
                count, open_amount = count + 1, open_amount + gap
        return count, open_amount

    def pending_text(self, lang: str = "en") -> str:
        """One plain sentence about incentives due but unpaid, or "" when none are."""
        count, open_amount = self.pending_incentives()
        return word("pending", lang, n=count, amount=money(open_amount)) if count else ""

    @property
    def unexplained(self) -> pl.DataFrame:
        """Findings outside the tolerance, largest difference first."""
        return self.findings.filter(~pl.col("status").is_in(list(OK_STATUSES))).sort(
            pl.col("difference").abs(), descending=True, nulls_last=True
        )

    def totals(self, lang: str = "en") -> list[tuple[str, Decimal]]:
        """The key totals: what the month cost, what the bill says, what was found."""

        def col_sum(frame: pl.DataFrame, column: str) -> Decimal:
            values = [v for v in frame[column].to_list() if v is not None] if frame.height else []
            return sum(values, Decimal(0))

        r1 = self.findings.filter(pl.col("rule") == "R1")
        return [
            (word("total_resale", lang), col_sum(self.daily, "resale_amount")),
            (word("total_referral", lang), col_sum(self.daily, "referral_amount")),
            (word("total_bill", lang), col_sum(r1, "right_amount")),
            (word("total_r1", lang), col_sum(r1, "difference")),
            (word("total_incentives_due", lang), col_sum(self.incentives, "due_amount")),
            (word("total_incentives_paid", lang), col_sum(self.incentives, "paid_amount")),
        ]


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> pl.DataFrame:
    return con.sql(sql(name, package="finance"), params=params).pl()


def read_report_data(con: duckdb.DuckDBPyConnection, run_id: str) -> ReportData:
    """Collect the report's data for one reconciliation run."""
    rows = con.execute(sql("select_reconciliation_run", package="finance"), {"run_id": run_id}).fetchall()
    if not rows:
        raise LookupError(f"no reconciliation run {run_id!r} in marts.reconciliation_runs")
    row = rows[0]
    month = str(row[1])
    return ReportData(
        month=month,
        run_id=run_id,
        settings=json.loads(row[2]),
        findings=load_findings(con, run_id),
        daily=_frame(con, "select_daily_consumption", {"month": month}),
        variance=_frame(con, "select_variance_by_customer", {"run_id": run_id}),
        incentives=_frame(con, "select_incentives_due_vs_paid", {"month": month, "run_id": run_id}),
        drilldown=_frame(con, "select_drilldown", {"run_id": run_id}),
        customer_names=dict(con.execute(sql("select_customer_names", package="finance")).fetchall()),
        month_over_month=read_month_over_month(con, month),
        data_rows=month_data_rows(con, month),
    )


def month_data_rows(con: duckdb.DuckDBPyConnection, month: str) -> dict[str, int]:
    """Rows of the month in each fact table reconciled: all zero means there is nothing to reconcile."""
    rows = con.execute(sql("select_month_data_counts", package="finance"), {"month": month}).fetchall()
    return {str(name): int(n) for name, n in rows}


def status_counts(findings: pl.DataFrame) -> dict[str, dict[str, int]]:
    """rule -> status -> rows, zeros included."""
    counts = {rule: dict.fromkeys(STATUSES, 0) for rule in RULES}
    for rule, status, n in findings.group_by("rule", "status").len().iter_rows():
        counts.setdefault(rule, dict.fromkeys(STATUSES, 0))[status] = n
    return counts


def _keys_text(keys: str) -> str:
    return ", ".join(f"{k}={v}" for k, v in json.loads(keys).items())


def _charts(data: ReportData, lang: str) -> list[str]:
    """The report's charts, those without a bar left out (an empty chart says nothing)."""
    daily = data.daily
    top = data.unexplained.head(TOP_FINDINGS)
    no_data = word("no_data", lang)
    charts = [
        bar_chart(
            word("chart_daily", lang),
            [str(d) for d in daily["day"].to_list()],
            [
                (word("resale", lang), daily["resale_amount"].to_list()),
                (word("referral", lang), daily["referral_amount"].to_list()),
            ],
            no_data=no_data,
        ),
        bar_chart(
            word("chart_variance", lang),
            [
                n or c
                for c, n in zip(data.variance["customer_id"], data.variance["customer_name"], strict=True)
            ],
            [(word("difference", lang), data.variance["difference"].to_list())],
            no_data=no_data,
        ),
        bar_chart(
            word("chart_top", lang, n=TOP_FINDINGS),
            [f"{r} {_keys_text(k)}" for r, k in zip(top["rule"], top["keys"], strict=True)],
            [(word("difference", lang), top["difference"].to_list())],
            no_data=no_data,
        ),
        bar_chart(
            word("chart_incentives", lang),
            data.incentives["incentive_bill_id"].to_list(),
            [
                (word("due", lang), data.incentives["due_amount"].to_list()),
                (word("paid", lang), data.incentives["paid_amount"].to_list()),
            ],
            no_data=no_data,
        ),
    ]
    variance = data.variance.filter(pl.col("difference") != 0).height  # all zero: nothing to draw
    sizes = (daily.height, variance, top.height, data.incentives.height)
    return [chart for chart, size in zip(charts, sizes, strict=True) if size]


def _th(text: str, numeric: bool) -> str:
    return f'<th class="num">{esc(text)}</th>' if numeric else f"<th>{esc(text)}</th>"


def render_html(data: ReportData, generated_at: dt.datetime, lang: str = "en") -> str:
    """The self-contained report in English, Chinese or both (`lang`); every value from data is escaped."""
    counts = status_counts(data.findings)
    unexplained = data.unexplained
    verdict = data.verdict_in(lang)
    pending = data.pending_text(lang)
    template = string.Template(
        resources.files("finance").joinpath("templates", "reconciliation.html").read_text(encoding="utf-8")
    )
    finding_rows = (
        "\n".join(
            "<tr>"
            + "".join(
                f"<td>{esc(v)}</td>" for v in (row["rule"], word(row["kind"], lang), _keys_text(row["keys"]))
            )
            + "".join(
                f'<td class="num">{esc(money(row[c]))}</td>'
                for c in ("left_amount", "right_amount", "difference")
            )
            + f"<td>{esc(word(row['status'], lang))}</td><td>{esc(row['detail'])}</td></tr>"
            for row in unexplained.iter_rows(named=True)
        )
        or f'<tr><td colspan="8">{esc(word("none", lang))}</td></tr>'
    )
    drill_rows = (
        "\n".join(
            f"<tr><td>{esc(r['balance_type'])}</td><td>{esc(r['day'])}</td>"
            + "".join(
                f'<td class="num">{esc(money(r[c]))}</td>'
                for c in ("left_amount", "right_amount", "difference")
            )
            + "</tr>"
            for r in data.drilldown.iter_rows(named=True)
        )
        or f'<tr><td colspan="5">{esc(word("none", lang))}</td></tr>'
    )
    return template.substitute(
        lang="en" if lang == "en" else "zh",
        title=esc(word("title", lang, month=data.month)),
        heading=esc(word("heading", lang, month=data.month)),
        verdict_class="pending" if pending and verdict.kind == "ok" else verdict.kind,  # never green then
        verdict=esc(verdict.text),
        pending=f'<p class="verdict pending" id="pending">{esc(pending)}</p>' if pending else "",
        run_line=esc(
            word(
                "run_line",
                lang,
                run_id=data.run_id,
                generated_at=generated_at.isoformat(sep=" ", timespec="seconds"),
                rules=", ".join(data.settings.get("rules", [])),
                tolerance=data.settings.get("tolerance", ""),
            )
        ),
        totals_rows="\n".join(
            f'<tr><td>{esc(label)}</td><td class="num">{esc(money(value))}</td></tr>'
            for label, value in data.totals(lang)
        ),
        status_headers=f"<th>{esc(word('rule', lang))}</th>"
        + "".join(f'<th class="num">{esc(word(s, lang))}</th>' for s in STATUSES),
        finding_headers="".join(_th(word(h, lang), h in _AMOUNTS) for h in _HEADERS),
        drill_headers="".join(_th(word(h, lang), i > 1) for i, h in enumerate(_DRILL_HEADERS)),
        status_rows="\n".join(
            f"<tr><td>{esc(rule)}</td>" + "".join(f'<td class="num">{by[s]}</td>' for s in STATUSES) + "</tr>"
            for rule, by in counts.items()
        ),
        charts="\n".join(_charts(data, lang)),
        finding_rows=finding_rows,
        drill_rows=drill_rows,
        settings=settings_table(data.settings, lang),
        month_over_month=month_over_month_html(data.month_over_month, data.customer_names, data.month, lang),
        **{f"h_{key}": esc(word(key, lang)) for key in _HEADINGS},
    )


COUNT_KINDS = frozenset({"sweep_count", "duplicate_id", "customer_without_records"})  # R5: record counts
_AMOUNTS = ("left_amount", "right_amount", "difference")


def findings_table(data: ReportData, kind: str) -> pl.DataFrame:
    """One kind's findings with one column per key (a customer's name beside its id), amounts exact.

    The keys of a kind are the same on every row; their order is the order the rule wrote them.
    """
    subset = data.findings.filter(pl.col("kind") == kind)
    parsed = [json.loads(k) for k in subset["keys"].to_list()]
    names: list[str] = []
    for keys in parsed:
        names.extend(k for k in keys if k not in names)
    columns: dict[str, pl.Series] = {"rule": subset["rule"]}
    for name in names:
        values = [None if keys.get(name) is None else str(keys[name]) for keys in parsed]
        columns[name] = pl.Series(name, values, pl.String)
        if name == "customer_id":
            columns["customer_name"] = pl.Series(
                "customer_name", [data.customer_names.get(v or "") for v in values], pl.String
            )
    for amount in _AMOUNTS:
        column = subset[amount]
        columns[amount] = column.cast(pl.Int64) if kind in COUNT_KINDS else column
    columns["status"] = subset["status"]
    columns["detail"] = subset["detail"]
    return pl.DataFrame(columns)


def _head(key: str, lang: str) -> str:
    """A sheet name or column header: the key itself in English (stable for imports), else translated."""
    return key if lang == "en" else word(key, lang)


def _sheet(
    book: xlsxwriter.Workbook, name: str, frame: pl.DataFrame, fmt: Any, bold: Any, lang: str = "en"
) -> None:
    """A sheet with a bold header, a filter on every column and the header frozen."""
    sheet = book.add_worksheet(_head(name, lang)[:31])
    for c, column in enumerate(frame.columns):
        sheet.write_string(0, c, _head(column, lang), bold)
        sheet.set_column(c, c, 44 if column == "detail" else 18)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            write_cell(sheet, r, c, value, fmt)
    sheet.autofilter(0, 0, max(frame.height, 1), max(frame.width - 1, 0))
    sheet.freeze_panes(1, 0)


def write_xlsx(
    data: ReportData, path: Path, lang: str = "en", created: dt.datetime | None = None
) -> Path:
    """Summary sheet, then one sheet per finding kind with every compared key (matched ones too).

    Sheet names and headers are the keys in English (what imports rely on), translated for "zh" and "both".
    """
    book = xlsxwriter.Workbook(str(path))
    if created is not None:
        book.set_properties({"created": created})  # the run's clock, so a replay writes the same bytes
    try:
        fmt = book.add_format({"num_format": "#,##0.00"})
        bold = book.add_format({"bold": True})
        summary = book.add_worksheet(_head("summary", lang))
        rows: list[tuple[Any, ...]] = [
            (_head("item", lang), _head("value", lang)),
            (_head("month", lang), data.month),
            (_head("run_id", lang), data.run_id),
            (_head("verdict", lang), data.verdict_in(lang).text),
            (_head("unexplained", lang), data.unexplained.height),
            (),
            *data.totals(lang),
            (),
            (_head("rule", lang), *(_head(s, lang) for s in STATUSES)),
            *((rule, *by.values()) for rule, by in status_counts(data.findings).items()),
            (),
            (_head("setting", lang), _head("value", lang)),
            *(
                (k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
                for k, v in data.settings.items()
            ),
        ]
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                write_cell(summary, r, c, value, fmt)
        summary.write_string(0, 0, rows[0][0], bold)
        summary.write_string(0, 1, rows[0][1], bold)
        summary.autofilter(0, 0, len(rows) - 1, 1 + len(STATUSES) - 1)
        summary.freeze_panes(1, 0)
        summary.set_column(0, 0, 36)
        summary.set_column(1, 6, 16)
        for kind in sorted(set(data.findings["kind"].to_list())):
            _sheet(book, kind, findings_table(data, kind), fmt, bold, lang)
    finally:
        book.close()
    return path


def _frame_csv(frame: pl.DataFrame, path: Path) -> Path:
    return write_csv(path, frame.columns, frame.iter_rows())


def write_report(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    out_dir: Path,
    lang: str = "en",
    generated_at: dt.datetime | None = None,
) -> dict[str, Path]:
    """Write reconciliation.html (in `lang`), reconciliation.xlsx and the CSVs of one run into out_dir.

    `generated_at` (naive UTC) is the time the HTML states; the CLI passes the run's clock (PBW_TODAY).
    """
    data = read_report_data(con, run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{REPORT_STEM}.html"
    now = generated_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    html_path.write_text(render_html(data, now, lang), encoding="utf-8")
    return {
        "html": html_path,
        "xlsx": write_xlsx(data, out_dir / f"{REPORT_STEM}.xlsx", lang, now),
        "findings_csv": _frame_csv(data.findings, out_dir / f"{REPORT_STEM}-findings.csv"),
        "daily_csv": _frame_csv(data.daily, out_dir / f"{REPORT_STEM}-daily-consumption.csv"),
        "variance_csv": _frame_csv(data.variance, out_dir / f"{REPORT_STEM}-variance-by-customer.csv"),
        "incentives_csv": _frame_csv(data.incentives, out_dir / f"{REPORT_STEM}-incentives.csv"),
        "drilldown_csv": _frame_csv(data.drilldown, out_dir / f"{REPORT_STEM}-r2-drilldown.csv"),
    }


def summary_text(data: ReportData, paths: dict[str, Path] | None = None) -> str:
    """The one-screen summary `pbw reconcile` prints."""
    lines = [f"Reconciliation {data.month} (run {data.run_id})", ""]
    lines.append(f"{'rule':<5}" + "".join(f"{s:>17}" for s in STATUSES))
    for rule, by in status_counts(data.findings).items():
        lines.append(f"{rule:<5}" + "".join(f"{by[s]:>17}" for s in STATUSES))
    lines.append("")
    for label, value in data.totals():
        lines.append(f"{label:<40}{money(value):>20}")
    unexplained = data.unexplained
    verdict = data.verdict
    lines.append("")
    if verdict.kind == "empty":
        lines.extend(["*" * 78, f"* {verdict.text}", "*" * 78])
    elif unexplained.is_empty():
        lines.append("All matched or within tolerance.")
    else:
        lines.append(f"{unexplained.height} unexplained finding(s); largest:")
        for row in unexplained.head(TOP_FINDINGS).iter_rows(named=True):
            amount = money(row["difference"])
            lines.append(f"  {row['rule']} {row['status']:<14} {amount:>14}  {_keys_text(row['keys'])}")
    if data.pending_text():
        lines.extend(["", data.pending_text()])
    if paths:
        lines.append("")
        lines.extend(f"{name:<16}{path}" for name, path in paths.items())
    return "\n".join(lines)
