"""B4 warehouse: reconciliation and invoices for one month of synthetic consumption already in DuckDB.

The month is generated inside DuckDB (range() + hash(), no Python rows) consistently with its bills,
account details, transactions and sweep evidence, so every rule should match: a finding that does
not is reported, because a fast wrong answer is not a result. Generation is not timed; each timed
step opens a fresh connection on the file, as a Dagster run would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, profile_path
from benchmarks.sqlfile import bind, sql
from warehouse.connection import writer

GENERATORS = (
    "set_quiet_session",
    "insert_synthetic_customers",
    "insert_synthetic_consumption",
    "insert_synthetic_monthly_bills",
    "insert_synthetic_account_details",
    "insert_synthetic_transactions",
    "insert_synthetic_consumption_customers",
    "insert_synthetic_api_sweeps",
)
CYCLE = "2026-10"
TARGET_SECONDS = 10.0
PRICE_BOOK = ROOT / "config" / "price_book.example.toml"


def generate(path: Path, rows: int, customers: int, domain_id: str = "bench-domain") -> float:
    """Write the synthetic month into a fresh, migrated warehouse; returns seconds spent."""
    values = {"rows": rows, "customers": customers, "cycle": CYCLE, "month_start": f"{CYCLE}-01",
              "days": 31, "domain_id": domain_id, "load_id": "bench-b4"}
    started = time.perf_counter()
    with writer(path) as con:
        for name in GENERATORS:
            con.execute(*bind(name, values))
    return time.perf_counter() - started


def _timed(path: Path, step: Callable[[Any], Any], name: str) -> tuple[float, Any]:
    """Time one step on a fresh connection; with PBW_BENCH_PROFILE=1 under pyinstrument (5 ms samples)."""
    target = profile_path(name)
    profiler = None
    if target is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    started = time.perf_counter()
    with writer(path) as con:
        con.execute(sql("set_quiet_session"))
        out = step(con)
    seconds = time.perf_counter() - started
    if profiler is not None and target is not None:
        profiler.stop()
        target.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
    return seconds, out


def reconcile(con: Any) -> dict[str, int]:
    """Run every rule for the month; the status counts show whether the answer was right."""
    from finance.reconciliation.engine import reconcile_month

    return reconcile_month(con, CYCLE).status_counts


def invoice(con: Any) -> dict[str, int]:
    """Generate and issue every resale customer's invoice (no files rendered: B4 measures the warehouse)."""
    from finance.invoicing.store import generate_invoices
    from finance.price_book import load_price_book

    result = generate_invoices(con, CYCLE, load_price_book(PRICE_BOOK), issue=True)
    return {"created": len(result.created), "issued": len(result.issued)}


def run(out_dir: Path, rows: int, customers: int) -> dict[str, Any]:
    """Generate, then time reconciliation and invoicing once each."""
    path = out_dir / "b4.duckdb"
    path.unlink(missing_ok=True)
    report: dict[str, Any] = {"rows": rows, "customers": customers, "cycle": CYCLE,
                              "target_s": TARGET_SECONDS}
    report["generate_s"] = generate(path, rows, customers)
    report["reconcile_s"], report["reconcile_statuses"] = _timed(path, reconcile, "b4_reconcile")
    report["invoice_s"], report["invoice_counts"] = _timed(path, invoice, "b4_invoice")
    report["total_s"] = report["reconcile_s"] + report["invoice_s"]
    statuses = report["reconcile_statuses"]
    report["all_matched"] = statuses["matched"] > 0 and sum(statuses.values()) == statuses["matched"]
    report["size_mb"] = path.stat().st_size / 2**20
    path.unlink(missing_ok=True)
    return report
