"""`make demo`: the first-run experience, end to end against a local sandbox.

Starts `pbw sandbox serve` in its own process, backfills the newest final month through Dagster, drops the
month's incentive console exports into the inbox, reconciles, issues invoices, writes the resellers'
statements (the sandbox partner is a distributor with three resellers, two customers changing hands
mid-month) and prints where everything is.
It drives the same `pbw` commands a user would type, so the demo cannot drift from the product.

Finance then grants the month's largest customer a retroactive 10% discount (a price book of the demo's own,
data/demo/price_book.toml) and runs the close again: its invoice is issued and never edited, so the run
issues a credit note for the difference, in its own number series. Every demo month has one, whatever day
it plays, with no change to the sandbox world.

The demo plays today's Beijing date, or `PBW_TODAY`: the sandbox clock and every `pbw` step get that date.
Its month is the newest one that is final on that day (partner bills and incentive exports come out on the
5th of the next month, `PBW_BILL_FINAL_DAY`), so it works on every day of every month.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.partitions import cycle_of, is_final
from pipelines.resources import PipelineSettings
from warehouse.connection import reader

BEIJING = ZoneInfo("Asia/Shanghai")
DEMO_DIR = Path("data/demo")
EXAMPLE_PRICE_BOOK = Path("config/price_book.example.toml")
RETROACTIVE_DISCOUNT = "10"  # percent granted after issue, so the demo month has a credit note
QUERIES = (
    "SELECT bill_cycle, count(*) AS records, sum(payment_amount) AS payable FROM billing.consumption_records "
    "GROUP BY ALL ORDER BY 1",
    "SELECT rule, status, count(*) AS findings FROM marts.reconciliation_findings GROUP BY ALL ORDER BY 1, 2",
    "SELECT invoice_number, customer_id, amount_due, status FROM marts.invoices ORDER BY 1 LIMIT 10",
    "SELECT coalesce(p.name, '(distributor)') AS holder, count(DISTINCT r.customer_id) AS customers, "
    "sum(r.payment_amount) AS payable FROM billing.consumption_records AS r "
    "LEFT JOIN billing.indirect_partners AS p USING (indirect_partner_id) GROUP BY ALL ORDER BY 1",
)


def demo_month(today: date, final_day: int) -> tuple[date, date]:
    """First and last day of the newest month that is final on `today` (Beijing calendar).

    The month before `today`'s is final after its bill day (the `final_day` of this month); before that,
    the one before it. Reconciling a month that is not final would compare against bills still moving.
    """
    last = today.replace(day=1) - timedelta(days=1)
    if not is_final(cycle_of(last), today, final_day):
        last = last.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def incentive_months(first: date) -> list[str]:
    """YYYY-MM of the month starting at `first` and the two before it, oldest first."""
    months = [first]
    for _ in range(2):
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    return [m.strftime("%Y-%m") for m in months]


def pbw(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run one `pbw` command, echoing it, so a user can repeat each step by hand."""
    print(f"\n$ pbw {' '.join(args)}", flush=True)
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], env=env, text=True, check=False)
    if check and proc.returncode != 0:
        raise SystemExit(f"demo: `pbw {' '.join(args)}` failed with exit code {proc.returncode}")
    return proc


def start_sandbox(env: dict[str, str], today: date) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Start the sandbox on a free port and read its `export NAME=value` lines."""
    cmd = [sys.executable, "-m", "pipelines.cli", "sandbox", "serve", "--port", "0", "--seed", "7",
           "--today", today.isoformat(), "--rate-limit", "off", "--movers", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    exports: dict[str, str] = {}
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline and "PBW_ENDPOINT" not in exports:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("export "):
            name, _, value = line[len("export "):].strip().partition("=")
            exports[name] = value.strip("'\"")
    if "PBW_ENDPOINT" not in exports:
        proc.kill()
        raise SystemExit("demo: the sandbox printed no PBW_ENDPOINT line; run `pbw sandbox serve` to see why")
    return proc, exports


def document_paths(folder: Path, month: str) -> list[str]:
    """What finance sends: each PDF (credit notes marked), its detail attachment, the e-invoicing export."""
    lines = []
    for pdf in sorted(folder.glob("*.pdf")):
        draft = pdf.name.startswith("DRAFT-")
        kind = "credit note" if "-CN-" in pdf.name else "draft" if draft else "invoice"
        lines.append(f"{kind:<12}{pdf}  (detail: {pdf.with_name(pdf.stem + '-detail.xlsx')})")
    lines.append(f"{'e-invoicing':<12}{folder / f'einvoice-{month}.csv'}")
    return lines


def largest_invoice(warehouse: Path, month: str) -> tuple[str, str]:
    """(customer_id, name) of the month's largest issued invoice: the customer the demo's discount goes to."""
    with reader(warehouse) as con:
        row = con.execute(
            "SELECT customer_id, customer_name FROM marts.invoices WHERE month = ? AND doc_type = 'invoice' "
            "AND status = 'issued' ORDER BY gross_amount DESC, customer_id LIMIT 1",
            [month],
        ).fetchone()
    if row is None:
        raise SystemExit(f"demo: no invoice was issued for {month}; see the `pbw invoice` output above")
    return str(row[0]), str(row[1])


def discounted_price_book(example: Path, customer_id: str, out: Path) -> Path:
    """The example price book plus a retroactive discount for one customer (in Chinese on its documents)."""
    out.write_text(
        example.read_text(encoding="utf-8")
        + f'\n# Added by the demo: a retroactive discount after the invoice was issued -> a credit note.\n'
        f'[customers."{customer_id}"]\ndiscount_percent = "{RETROACTIVE_DISCOUNT}"\nlang = "zh"\n',
        encoding="utf-8",
    )
    return out


def main() -> int:
    """Run the demo; exit 0 when every step ran (findings in the report are expected and shown)."""
    settings = PipelineSettings.from_env()
    today = date.fromisoformat(settings.today) if settings.today else datetime.now(BEIJING).date()
    first, last = demo_month(today, settings.bill_final_day)
    month = first.strftime("%Y-%m")
    print(f"demo: playing {today.isoformat()} (Beijing; set PBW_TODAY=YYYY-MM-DD to play another day): "
          f"{month} is the newest month whose bills are final.", flush=True)
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    DEMO_DIR.mkdir(parents=True)
    env = dict(os.environ)
    env.update(
        PBW_WAREHOUSE=str(DEMO_DIR / "warehouse.duckdb"),
        PBW_INBOX=str(DEMO_DIR / "inbox"),
        PBW_REPORTS="reports",
        PBW_START_DATE=first.isoformat(),
        PBW_TODAY=today.isoformat(),
        DAGSTER_HOME=str((DEMO_DIR / "dagster-home").resolve()),
    )
    Path(env["DAGSTER_HOME"]).mkdir(parents=True)
    sandbox, exports = start_sandbox(env, today)
    env.update(exports)
    started = time.monotonic()
    try:
        pbw("backfill", "--from", first.isoformat(), "--to", last.isoformat(), env=env)
        # account changes up to yesterday: R7_BALANCE compares today's reseller balances with the last change
        pbw("backfill", "--from", (last + timedelta(days=1)).isoformat(),
            "--to", (today - timedelta(days=1)).isoformat(), "--datasets", "account_transactions", env=env)
        inbox = Path(env["PBW_INBOX"])
        inbox.mkdir(parents=True, exist_ok=True)
        # Month M's top-ups pay the incentive bills of M-2, so finance drops the last three exports.
        for export_month in incentive_months(first):
            out = inbox / f"incentives-{export_month}.xlsx"
            pbw("sandbox", "export", "incentives", "--url", env["PBW_ENDPOINT"], "--month", export_month,
                "--format", "xlsx", "--lang", "zh", "--out", str(out), env=env)
        pbw("load", "inbox", env=env)
        reconcile = pbw("reconcile", "--month", month, env=env, check=False)
        if reconcile.returncode not in (0, 1):
            raise SystemExit(f"demo: reconciliation failed with exit code {reconcile.returncode}")
        pbw("invoice", "--month", month, "--issue", "--price-book", str(EXAMPLE_PRICE_BOOK), env=env)
        customer_id, name = largest_invoice(Path(env["PBW_WAREHOUSE"]), month)
        book = discounted_price_book(EXAMPLE_PRICE_BOOK, customer_id, DEMO_DIR / "price_book.toml")
        print(f"\ndemo: {name} ({customer_id}) is granted a retroactive {RETROACTIVE_DISCOUNT}% discount "
              f"({book}); its invoice stays as issued, the close issues a credit note.", flush=True)
        pbw("invoice", "--month", month, "--issue", "--price-book", str(book), env=env)
        pbw("statements", "--month", month, env=env)
    finally:
        sandbox.send_signal(signal.SIGTERM)
        sandbox.wait(timeout=30)
    elapsed = time.monotonic() - started
    reports = Path(env["PBW_REPORTS"]) / month
    print(f"\nDemo finished in {elapsed:.0f} s for {month}, played on {today.isoformat()} (Beijing).")
    print(f"  warehouse : {env['PBW_WAREHOUSE']} (the loads' file)")
    print(f"  published : {DEMO_DIR / 'published' / 'catalog.duckdb'} (what analysts open, read-only; "
          "Parquet for Spark/Trino under tables/)")
    print(f"  report    : {reports / 'reconciliation.html'} (also .xlsx and CSV files beside it)")
    print(f"  invoices  : {reports / 'invoices'}")
    for line in document_paths(reports / "invoices", month):
        print(f"    {line}")
    statements = sorted((reports / "statements").glob("*.html"))
    if statements:
        print(f"  resellers : {len(statements)} statements, e.g. {statements[0]} (and .xlsx)")
    print(f"  dagster   : {env['DAGSTER_HOME']} (its runs and the month close of {month}); open it with")
    print(f"              make dev DAGSTER_HOME={env['DAGSTER_HOME']}")
    print("\nTry:")
    for query in QUERIES:
        print(f'  PBW_WAREHOUSE={env["PBW_WAREHOUSE"]} .venv/bin/pbw sql "{query}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
