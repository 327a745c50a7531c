"""The monthly reconciliation report: one offline HTML file (inline SVG charts), an XLSX workbook and CSVs.

Everything a month-end reviewer needs travels as files: no external assets, scripts or fonts, so the
HTML opens the same from an e-mail attachment as from the share.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import xlsxwriter

from finance.reconciliation.engine import OK_STATUSES, STATUSES, load_findings
from finance.reconciliation.settings import RULES
from finance.report_sections import (
    fit_label,
    month_over_month_html,
    read_month_over_month,
    settings_table,
    text_width,
    word,
)
from finance.safe_cells import esc, money, write_cell, write_csv
from warehouse.sqlfiles import sql

REPORT_STEM = "reconciliation"
TOP_FINDINGS = 10
_HEADINGS = ("totals", "per_rule", "charts", "unexplained", "drilldown", "settings", "settings_note", "mom")
_COLORS = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f")


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
        """What the month amounts to: no data, nothing compared, all explained or findings to look at."""
        if not self.has_data:
            return Verdict("empty", f"No data for {self.month}: no consumption records, bills, account "
                           "transactions or incentives are loaded for it. Load the month first "
                           "(pbw backfill), then reconcile again.")
        if self.findings.is_empty():
            return Verdict("empty", f"Nothing to compare for {self.month}: the rules that ran found no rows "
                           "on either side. Check the rules of this run and the loaded datasets.")
        n = self.unexplained.height
        if n:
            return Verdict("bad", f"{n} unexplained finding(s) need a look.")
        return Verdict("ok", "Everything matched or is within tolerance.")

    def pending_incentives(self) -> tuple[int, Decimal]:
        """Incentive bills whose due amount is not (fully) paid yet, and how much is still open."""
        count, open_amount = 0, Decimal(0)
        for row in self.incentives.iter_rows(named=True):
            gap = (row["due_amount"] or Decimal(0)) - (row["paid_amount"] or Decimal(0))
            if gap > 0:
                count, open_amount = count + 1, open_amount + gap
        return count, open_amount

    def pending_text(self) -> str:
        """One plain sentence about incentives due but unpaid, or "" when none are."""
        count, open_amount = self.pending_incentives()
        if not count:
            return ""
        return (f"Incentives pending: {count} incentive bill(s) with CNY {money(open_amount)} due are not "
                "paid yet (no matching rebate top-up).")

    @property
    def unexplained(self) -> pl.DataFrame:
        """Findings outside the tolerance, largest difference first."""
        return self.findings.filter(~pl.col("status").is_in(list(OK_STATUSES))).sort(
            pl.col("difference").abs(), descending=True, nulls_last=True
        )

    def totals(self) -> list[tuple[str, Decimal]]:
        """The key totals: what the month cost, what the bill says, what was found."""

        def col_sum(frame: pl.DataFrame, column: str) -> Decimal:
            values = [v for v in frame[column].to_list() if v is not None] if frame.height else []
            return sum(values, Decimal(0))

        r1 = self.findings.filter(pl.col("rule") == "R1")
        return [
            ("Consumption, resale (fee records)", col_sum(self.daily, "resale_amount")),
            ("Consumption, referral (fee records)", col_sum(self.daily, "referral_amount")),
            ("Monthly bill, resale (monthly-sum)", col_sum(r1, "right_amount")),
            ("R1 difference, detail - bill", col_sum(r1, "difference")),
            ("Incentives due", col_sum(self.incentives, "due_amount")),
            ("Incentives paid (matched top-ups)", col_sum(self.incentives, "paid_amount")),
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


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | None]]],
    width: int = 520,
) -> str:
    """A horizontal (grouped) bar chart as inline SVG; bars left of the zero line are negative.

    The label column is as wide as the longest label (Chinese names count a full em per character), up to
    240 px; a longer label is cut with an ellipsis and shown whole in the bar's tooltip.
    """
    pad, bar_h, gap = 10, 9, 6
    label_w = int(min(max([60.0, *(text_width(label, 10) + 8 for label in labels)]), 240.0))
    width = max(width, label_w + 330)
    values = [float(v or 0) for _, vals in series for v in vals]
    low, high = min([0.0, *values]), max([0.0, *values])
    span = (high - low) or 1.0
    plot_w = width - label_w - 2 * pad - 70
    group_h = bar_h * len(series) + gap
    height = 40 + max(len(labels), 1) * group_h + 24

    def x(v: float) -> float:
        return label_w + pad + (v - low) / span * plot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(title)}">',
        f'<text x="{pad}" y="18" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    for i, label in enumerate(labels):
        y0 = 32 + i * group_h
        parts.append(
            f'<text x="{label_w}" y="{y0 + bar_h * len(series) / 2 + 4:.1f}" font-size="10" '
            f'text-anchor="end">{esc(fit_label(label, 10, label_w - 8))}</text>'
        )
        for s, (_, vals) in enumerate(series):
            v = float(vals[i] or 0)
            left, right = sorted((x(0.0), x(v)))
            parts.append(
                f'<rect x="{left:.1f}" y="{y0 + s * bar_h}" width="{max(right - left, 0.5):.1f}" '
                f'height="{bar_h - 1}" fill="{_COLORS[s % len(_COLORS)]}"><title>{esc(label)}: '
                f"{esc(money(vals[i]))}</title></rect>"
            )
            parts.append(
                f'<text x="{right + 3:.1f}" y="{y0 + s * bar_h + bar_h - 1}" font-size="8">'
                f"{esc(money(vals[i]))}</text>"
            )
    zero = x(0.0)
    bottom = 32 + max(len(labels), 1) * group_h
    parts.append(
        f'<line x1="{zero:.1f}" y1="28" x2="{zero:.1f}" y2="{bottom}" stroke="#333" stroke-width="1"/>'
    )
    for s, (name, _) in enumerate(series):
        lx = label_w + pad + s * 150
        parts.append(
            f'<rect x="{lx}" y="{bottom + 8}" width="10" height="10" fill="{_COLORS[s % len(_COLORS)]}"/>'
        )
        parts.append(f'<text x="{lx + 14}" y="{bottom + 17}" font-size="10">{esc(name)}</text>')
    if not labels:
        parts.append(f'<text x="{label_w}" y="44" font-size="11">no data</text>')
    parts.append("</svg>")
    return "".join(parts)


def _keys_text(keys: str) -> str:
    return ", ".join(f"{k}={v}" for k, v in json.loads(keys).items())


def _charts(data: ReportData) -> list[str]:
    """The report's charts, those without a bar left out (an empty chart says nothing)."""
    daily = data.daily
    top = data.unexplained.head(TOP_FINDINGS)
    charts = [
        bar_chart(
            "Daily consumption (payable, CNY)",
            [str(d) for d in daily["day"].to_list()],
            [("resale", daily["resale_amount"].to_list()), ("referral", daily["referral_amount"].to_list())],
        ),
        bar_chart(
            "R1 variance by customer (detail - bill)",
            [
                n or c
                for c, n in zip(data.variance["customer_id"], data.variance["customer_name"], strict=True)
            ],
            [("difference", data.variance["difference"].to_list())],
        ),
        bar_chart(
            f"Top {TOP_FINDINGS} findings by difference",
            [f"{r} {_keys_text(k)}" for r, k in zip(top["rule"], top["keys"], strict=True)],
            [("difference", top["difference"].to_list())],
        ),
        bar_chart(
            "Incentives due vs paid",
            data.incentives["incentive_bill_id"].to_list(),
            [
                ("due", data.incentives["due_amount"].to_list()),
                ("paid", data.incentives["paid_amount"].to_list()),
            ],
        ),
    ]
    sizes = (daily.height, data.variance.height, top.height, data.incentives.height)
    return [chart for chart, size in zip(charts, sizes, strict=True) if size]


def render_html(data: ReportData, generated_at: dt.datetime, lang: str = "en") -> str:
    """The self-contained report in English or Chinese (`lang`); every value from the data is escaped."""
    counts = status_counts(data.findings)
    unexplained = data.unexplained
    verdict = data.verdict
    pending = data.pending_text()
    template = string.Template(
        resources.files("finance").joinpath("templates", "reconciliation.html").read_text(encoding="utf-8")
    )
    finding_rows = (
        "\n".join(
            "<tr>"
            + "".join(f"<td>{esc(v)}</td>" for v in (row["rule"], row["kind"], _keys_text(row["keys"])))
            + "".join(
                f'<td class="num">{esc(money(row[c]))}</td>'
                for c in ("left_amount", "right_amount", "difference")
            )
            + f"<td>{esc(row['status'])}</td><td>{esc(row['detail'])}</td></tr>"
            for row in unexplained.iter_rows(named=True)
        )
        or '<tr><td colspan="8">none</td></tr>'
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
        or '<tr><td colspan="5">none</td></tr>'
    )
    return template.substitute(
        title=esc(f"Reconciliation {data.month}"),
        heading=esc(f"Reconciliation of {data.month}"),
        verdict_class=verdict.kind,
        verdict=esc(verdict.text),
        pending=f'<p class="verdict pending" id="pending">{esc(pending)}</p>' if pending else "",
        run_id=esc(data.run_id),
        generated_at=esc(generated_at.isoformat(sep=" ", timespec="seconds")),
        rules=esc(", ".join(data.settings.get("rules", []))),
        tolerance=esc(data.settings.get("tolerance", "")),
        totals_rows="\n".join(
            f'<tr><td>{esc(label)}</td><td class="num">{esc(money(value))}</td></tr>'
            for label, value in data.totals()
        ),
        status_headers="".join(f'<th class="num">{esc(s)}</th>' for s in STATUSES),
        status_rows="\n".join(
            f"<tr><td>{esc(rule)}</td>" + "".join(f'<td class="num">{by[s]}</td>' for s in STATUSES) + "</tr>"
            for rule, by in counts.items()
        ),
        charts="\n".join(_charts(data)),
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


def _sheet(book: xlsxwriter.Workbook, name: str, frame: pl.DataFrame, fmt: Any, bold: Any) -> None:
    """A sheet with a bold header, a filter on every column and the header frozen."""
    sheet = book.add_worksheet(name[:31])
    for c, column in enumerate(frame.columns):
        sheet.write_string(0, c, column, bold)
        sheet.set_column(c, c, 44 if column == "detail" else 18)
    for r, row in enumerate(frame.iter_rows(), start=1):
        for c, value in enumerate(row):
            write_cell(sheet, r, c, value, fmt)
    sheet.autofilter(0, 0, max(frame.height, 1), max(frame.width - 1, 0))
    sheet.freeze_panes(1, 0)


def write_xlsx(data: ReportData, path: Path) -> Path:
    """Summary sheet, then one sheet per finding kind with every compared key (matched ones too)."""
    book = xlsxwriter.Workbook(str(path))
    try:
        fmt = book.add_format({"num_format": "#,##0.00"})
        bold = book.add_format({"bold": True})
        summary = book.add_worksheet("summary")
        rows: list[tuple[Any, ...]] = [
            ("item", "value"),
            ("month", data.month),
            ("run_id", data.run_id),
            ("verdict", data.verdict.text),
            ("unexplained", data.unexplained.height),
            (),
            *data.totals(),
            (),
            ("rule", *STATUSES),
            *((rule, *by.values()) for rule, by in status_counts(data.findings).items()),
            (),
            ("setting", "value"),
            *(
                (k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
                for k, v in data.settings.items()
            ),
        ]
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                write_cell(summary, r, c, value, fmt)
        summary.write_string(0, 0, "item", bold)
        summary.write_string(0, 1, "value", bold)
        summary.autofilter(0, 0, len(rows) - 1, 1 + len(STATUSES) - 1)
        summary.freeze_panes(1, 0)
        summary.set_column(0, 0, 36)
        summary.set_column(1, 6, 16)
        for kind in sorted(set(data.findings["kind"].to_list())):
            _sheet(book, kind, findings_table(data, kind), fmt, bold)
    finally:
        book.close()
    return path


def _frame_csv(frame: pl.DataFrame, path: Path) -> Path:
    return write_csv(path, frame.columns, frame.iter_rows())


def write_report(
    con: duckdb.DuckDBPyConnection, run_id: str, out_dir: Path, lang: str = "en"
) -> dict[str, Path]:
    """Write reconciliation.html (in `lang`), reconciliation.xlsx and the CSVs of one run into out_dir."""
    data = read_report_data(con, run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{REPORT_STEM}.html"
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    html_path.write_text(render_html(data, now, lang), encoding="utf-8")
    return {
        "html": html_path,
        "xlsx": write_xlsx(data, out_dir / f"{REPORT_STEM}.xlsx"),
        "findings_csv": _frame_csv(data.findings, out_dir / f"{REPORT_STEM}-findings.csv"),
        "daily_csv": _frame_csv(data.daily, out_dir / f"{REPORT_STEM}-daily-consumption.csv"),
        "variance_csv": _frame_csv(data.variance, out_dir / f"{REPORT_STEM}-variance-by-customer.csv"),
        "incentives_csv": _frame_csv(data.incentives, out_dir / f"{REPORT_STEM}-incentives.csv"),
        "drilldown_csv": _frame_csv(data.drilldown, out_dir / f"{REPORT_STEM}-r2-drilldown.csv"),
    }


def summary_text(data: ReportData, paths: dict[str, Path] | None = None) -> str:
    """The one-screen summary `pbw reconcile` prints."""
    lines = [f"Reconciliation {data.month} (run {data.run_id})", ""]
    lines.append(f"{'rule':<10}" + "".join(f"{s:>17}" for s in STATUSES))
    for rule, by in status_counts(data.findings).items():
        lines.append(f"{rule:<10}" + "".join(f"{by[s]:>17}" for s in STATUSES))
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
