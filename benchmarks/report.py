"""The one table `make bench` prints: each benchmark's figures beside its target and the peers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = tuple[str, str, str, str, str]  # benchmark, subject, figure, target, verdict


def _fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("MET" if ok else "MISSED")


def _b1(res: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for name, c in res.get("contenders", {}).items():
        figure = (f"{_fmt(c.get('records_per_s'))} rec/s, {_fmt(c.get('peak_rss_mb'))} MB, "
                  f"{_fmt(c.get('records'))} rec, CPU {_fmt(c.get('cpu_us_per_record'))} µs/rec "
                  f"(sandbox {_fmt(c.get('sandbox_cpu_us_per_record'))})")
        if c.get("records_match") is False:
            figure += f" (API counted {c.get('expected_records'):,}: COUNT MISMATCH)"
        rows.append(("B1", name, figure, "", ""))
    ratios = res.get("ratios", {})
    rows.append(("B1", "ours / fetch-only", _fmt(ratios.get("vs_fetch_only"), "x", 2), ">= 1.0x",
                 _verdict(res.get("targets", {}).get("vs_fetch_only"))))
    rows.append(("B1", f"ours / dlt best ({ratios.get('dlt_best', 'n/a')})",
                 _fmt(ratios.get("vs_dlt_best"), "x", 2), ">= 3.0x",
                 _verdict(res.get("targets", {}).get("vs_dlt_best"))))
    return rows


def _b2(res: dict[str, Any]) -> list[Row]:
    t = res.get("targets", {})
    return [
        ("B2", "calls / minimum", f"{res.get('calls')} / {res.get('minimum_calls')} = "
         f"{_fmt(res.get('calls_ratio'), 'x', 3)}", "<= 1.05x", _verdict(t.get("calls"))),
        ("B2", "API window / (calls / limit)", f"{_fmt(res.get('api_window_s'), ' s', 1)} / "
         f"{_fmt(res.get('ideal_s'), ' s', 1)} = {_fmt(res.get('window_ratio'), 'x', 3)}", "<= 1.1x",
         _verdict(t.get("wall"))),
        ("B2", "whole run wall (start-up, Dagster, loads)", f"{_fmt(res.get('wall_s'), ' s', 1)} = "
         f"{_fmt(res.get('wall_ratio'), 'x', 3)} of calls/limit", "", ""),
        ("B2", "throttled share", f"{res.get('throttled')} = {_fmt(res.get('throttled_share_pct'), '%', 2)}",
         "<= 1%", _verdict(t.get("throttled"))),
    ]


def _b3(res: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for point in res.get("points", []):
        figure = f"{_fmt(point.get('peak_rss_mb'))} MB, {_fmt(point.get('records_per_s'))} rec/s"
        rows.append(("B3", f"ours, {point['records']:,} records", figure, "", ""))
    t = res.get("targets", {})
    rows.append(("B3", "largest / smallest peak", _fmt(res.get("growth"), "x", 2), "<= 1.5x",
                 _verdict(t.get("growth"))))
    rows.append(("B3", "largest peak", _fmt(res.get("largest_peak_mb"), " MB"), "<= 300 MB",
                 _verdict(t.get("absolute"))))
    return rows


def _b4(res: dict[str, Any]) -> list[Row]:
    target = res.get("target_s", 10.0)
    statuses = res.get("reconcile_statuses", {})
    counts = res.get("invoice_counts", {})
    total = res.get("total_s")
    return [
        ("B4", f"generate {res.get('rows', 0):,} rows, {res.get('customers', 0):,} customers (untimed)",
         _fmt(res.get("generate_s"), " s", 1), "", ""),
        ("B4", "reconcile R1-R5", f"{_fmt(res.get('reconcile_s'), ' s', 2)}, "
         f"{statuses.get('matched', 0):,} matched / {sum(statuses.values()):,} findings", "all matched",
         _verdict(res.get("all_matched"))),
        ("B4", "invoices (generate + issue)", f"{_fmt(res.get('invoice_s'), ' s', 2)}, "
         f"{counts.get('issued', 0):,} issued", "", ""),
        ("B4", "reconcile + invoices", _fmt(total, " s", 2), f"<= {target:g} s",
         _verdict(None if total is None else total <= target)),
    ]


def _b5(res: dict[str, Any]) -> list[Row]:
    return [
        ("B5", f"pbw publish of {res.get('rows', 0):,} rows (every table)",
         _fmt(res.get("publish_full_s"), " s", 1), "", ""),
        ("B5", f"daily load of one day ({res.get('day_rows', 0):,} rows; sandbox, no rate limit)",
         f"{_fmt(res.get('load_s'), ' s', 1)} (CPU {_fmt(res.get('load_cpu_s'), ' s', 1)}, "
         f"{_fmt(res.get('load_peak_rss_mb'), ' MB')}; real API >= {_fmt(res.get('api_floor_s'), ' s', 0)})",
         "", ""),
        ("B5", "its publish (that day + audit tables)", f"{_fmt(res.get('publish_s'), ' s', 2)} = "
         f"{_fmt(100 * res.get('share', 0), ' %', 1)} of the load "
         f"(CPU {_fmt(res.get('publish_cpu_s'), ' s', 1)} = {_fmt(100 * res.get('cpu_share', 0), ' %', 1)})",
         "< 10 %", _verdict(res.get("met"))),
        ("B5", f"the commit alone of a day ({res.get('commit_rows', 0):,} rows) / its publish",
         f"{_fmt(res.get('commit_s'), ' s', 2)} / {_fmt(res.get('commit_publish_s'), ' s', 2)}", "", ""),
        ("B5", f"a read copy instead: copy the {_fmt(res.get('size_mb'), ' MB')} file",
         _fmt(res.get("copy_s"), " s", 2), "", ""),
    ]


_RENDERERS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "b1": _b1, "b2": _b2, "b3": _b3, "b4": _b4, "b5": _b5}


def rows_for(benchmarks: dict[str, dict[str, Any]]) -> list[Row]:
    """Table rows of every benchmark that ran; a failed one shows its error."""
    rows: list[Row] = []
    for name, res in benchmarks.items():
        if "error" in res:
            rows.append((name.upper(), "ERROR", res["error"][:90], "", "FAILED"))
        else:
            rows.extend(_RENDERERS[name](res))
    return rows


def render_table(results: dict[str, Any]) -> str:
    """A plain-text table, the same text the README shows."""
    header: Row = ("bench", "subject", "figure", "target", "verdict")
    rows = [header, *[tuple(r) for r in results.get("table", [])]]
    widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
    line = "+".join("-" * (w + 2) for w in widths)
    machine = results["machine"]
    load = machine.get("load_avg_at_start")
    out = [f"Partner Billing Warehouse benchmarks · scale {results.get('scale')} · "
           f"{results.get('started_at_utc')} · {machine['cores']} cores, {machine['memory_gb']} GB, "
           f"Python {machine['python']}" + (f" · load avg at start {load[0]:.1f}" if load else ""), line]
    for i, row in enumerate(rows):
        out.append(" | ".join(str(cell).ljust(widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            out.append(line)
    return "\n".join(out)
