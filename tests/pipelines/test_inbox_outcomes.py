"""`pbw load inbox` with the bad console files of issue 13: each file ends in exactly one of loaded / held /
rejected / duplicate (with a reason file where not loaded), the CLI says which, and the loaded period stays as
it was until a person replaces it (`--replace`)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from conftest import SandboxFactory
from pbw_harness import Harness

from pipelines.commands import load_inbox
from sandbox.exports import incentive_export_bytes, incentive_rows
from warehouse.loaders.incentive_records import money

MONTH = "2026-10"
AMOUNT = 14  # column of the incentive amount in the sandbox export


def _csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))


def _local(values: list[str], encoding: str, word: str) -> list[str]:
    """The row as a desktop in that locale would save it: text the encoding cannot hold becomes local text."""
    def fits(text: str) -> bool:
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            return False
        return True

    return [v if fits(v) else word for v in values]


def _xlsx(path: Path, rows: list[list[str]], formula: tuple[int, int, str] | None = None) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, values in enumerate(rows):
        sheet.write_row(r, 0, values)
    if formula is not None:
        sheet.write_formula(*formula)
    book.close()


def _period(h: Harness) -> list[tuple[object, ...]]:
    return h.query("SELECT incentive_data_id, base_amount, rate, incentive_amount, status_raw, customer_name "
                   "FROM billing.incentive_records WHERE incentive_period = ? ORDER BY 1", [MONTH])


def _outcomes(inbox: Path) -> dict[str, str]:
    """Every export file under the inbox -> the folder it ended in (a name twice would show as a clash)."""
    found: dict[str, str] = {}
    for path in sorted(inbox.rglob("*")):
        if path.is_file() and path.suffix in (".csv", ".xlsx"):
            where = path.relative_to(inbox).parts[0] if path.parent != inbox else "inbox"
            assert path.name not in found, path
            found[path.name] = where
            if where != "archive":
                assert path.with_name(path.name + ".reason.txt").read_text(encoding="utf-8").strip()
    return found


def test_bad_console_files_never_change_the_loaded_period(sandbox_factory: SandboxFactory, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    box = sandbox_factory(customers=4, today=date(2026, 11, 24), rate_limit=None, seed=4)
    h = Harness(box, tmp_path)
    monkeypatch.setenv("PBW_WAREHOUSE", str(h.warehouse))
    h.inbox.mkdir()
    header, *rows = incentive_rows(box.app.world, MONTH, "en")
    assert len(rows) >= 3
    full = incentive_export_bytes(box.app.world, MONTH, "csv", "en")
    (h.inbox / "a-full.csv").write_bytes(full)
    out = io.StringIO()
    assert load_inbox(h.definitions(), h.instance, h.inbox, out) == 0
    assert out.getvalue().splitlines()[-1] == "1 loaded, 0 held, 0 rejected, 0 duplicate"
    loaded = _period(h)
    assert [(r[0], r[3]) for r in loaded] == sorted((r[1], Decimal(r[AMOUNT])) for r in rows)

    def bad(i: int, **cells: str) -> list[str]:
        values = dict(zip(header, rows[0], strict=True)) | {"Incentive Data ID": f"BAD-{i}"} | cells
        return [values[h] for h in header]

    (h.inbox / "b-empty.csv").write_bytes(b"")
    _csv(h.inbox / "c-all-invalid.csv", [header, *[[*r[:13], "250%", *r[14:]] for r in rows]])
    _csv(h.inbox / "d-partial.csv", [header, *rows[:3]])
    lowered = [*rows[0][:AMOUNT], str(Decimal(rows[0][AMOUNT]) - Decimal("0.01")), *rows[0][AMOUNT + 1:]]
    _xlsx(h.inbox / "e-lower.xlsx", [header, lowered])
    cells = [header, rows[0], bad(1), bad(2, **{"Base Amount": "1,2,3"}),
             bad(3, **{"Incentive Rate": "-0.05"}), bad(4, **{"Incentive Rate": "250%"}),
             bad(5, **{"Base Amount": "-100"})]
    _xlsx(h.inbox / "f-cells.xlsx", cells, formula=(2, AMOUNT, "=M3*N3"))
    _csv(h.inbox / "g-periods.csv", [header, rows[1], bad(6, **{"Reconciliation Period": "2026-13"}),
                                     bad(7, **{"Reconciliation Period": "abc"})])
    japan = _local(bad(8, **{"Customer Name": "日本クラウド株式会社"}), "shift_jis", "東京都")
    _csv(h.inbox / "h-sjis.csv", [header, japan], "shift_jis")
    taiwan = bad(9, **{"Customer Name": "臺灣雲端股份有限公司", "Reconciliation Period": "2026-09"})
    _csv(h.inbox / "i-big5.csv", [header, _local(taiwan, "big5", "資訊科技")], "big5")
    (h.inbox / "z-again.csv").write_bytes(full)

    out = io.StringIO()
    assert load_inbox(h.definitions(), h.instance, h.inbox, out) == 1
    lines = out.getvalue().splitlines()
    said = {line.split(": ", 1)[0]: line.split(": ", 2)[1].split(" ")[0] for line in lines[:-1]}
    expected = {"b-empty.csv": "rejected", "c-all-invalid.csv": "rejected", "d-partial.csv": "loaded",
                "e-lower.xlsx": "held", "f-cells.xlsx": "loaded", "g-periods.csv": "loaded",
                "h-sjis.csv": "rejected", "i-big5.csv": "loaded", "z-again.csv": "duplicate"}
    assert said == expected, out.getvalue()
    assert lines[-1] == "4 loaded, 1 held, 3 rejected, 1 duplicate"
    folder = {"loaded": "archive", "held": "held", "rejected": "rejected", "duplicate": "duplicates"}
    assert _outcomes(h.inbox) == {"a-full.csv": "archive"} | {n: folder[o] for n, o in expected.items()}
    assert _period(h) == loaded

    text = out.getvalue()
    assert "b-empty.csv: rejected (empty file (0 bytes)" in text
    assert f"c-all-invalid.csv: rejected (none of its {len(rows)} rows is valid" in text
    assert "h-sjis.csv: rejected (encoded as shift_jis (Japanese)" in text
    assert "f-cells.xlsx: loaded (merge: " in text
    total = sum(Decimal(r[AMOUNT]) for r in rows)
    less = money(total - Decimal("0.01"))
    lower = f"{MONTH}: {len(rows)} -> {len(rows)} rows, incentive {money(total)} -> {less}"
    assert f"e-lower.xlsx: held (the file would lower loaded incentive periods ({lower} CNY)" in text
    held = next((h.inbox / "held").glob("*/e-lower.xlsx"))
    assert f"pbw load inbox --replace {held}" in held.with_name("e-lower.xlsx.reason.txt").read_text("utf-8")
    names = h.query("SELECT customer_name FROM billing.incentive_records WHERE incentive_period = '2026-09'")
    assert names == [("臺灣雲端股份有限公司",)]
    partitions = h.query("SELECT DISTINCT unnest(partitions) FROM audit.load_log ORDER BY 1")
    assert partitions == [("2026-09",), (MONTH,)]
    reasons = " ".join(r[0] for r in h.query("SELECT reasons FROM audit.quarantine"))
    for why in ("cell O3: formula =M3*N3 has no calculated value", "malformed number '1,2,3'",
                "rate_is_fraction", "base_not_negative"):
        assert why in reasons

    # a person decides the held file is the complete October: `pbw load inbox --replace FILE`
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PBW_", "DAGSTER_"))}
    env |= {"PBW_WAREHOUSE": str(h.warehouse), "PBW_INBOX": str(h.inbox), "PBW_ENDPOINT": box.url,
            "DAGSTER_HOME": str(tmp_path / "dagster-home"), "PBW_TODAY": "2026-11-24"}
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", "load", "inbox", "--replace", str(held)],
                          env=env, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-2].startswith(
        f"e-lower.xlsx: loaded (replace: {MONTH}: {len(rows)} -> 1 rows")
    assert proc.stdout.splitlines()[-1] == "1 loaded, 0 held, 0 rejected, 0 duplicate"
    assert [(r[0], r[3]) for r in _period(h)] == [(rows[0][1], Decimal(lowered[AMOUNT]))]
    assert not held.exists()
    assert not held.with_name("e-lower.xlsx.reason.txt").exists()
    assert list((h.inbox / "archive").glob("*/e-lower.xlsx"))
