"""SIGKILL at random moments of a load never leaves half a load; the rerun converges to the same checksum."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from wh_helpers import table_checksum
from wh_pages import days, fee_pages

from warehouse.connection import writer
from warehouse.loaders.consumption_records import load_consumption

FIRST_DAY = date(2026, 1, 10)
DAY_KEYS = [d.isoformat() for d in days(FIRST_DAY, 3)]
TRIALS = 21

CHILD = """
import sys
from pathlib import Path
from warehouse.connection import writer
from warehouse.loaders.consumption_records import load_consumption
pages = [Path(p) for p in sys.argv[3:]]
print("ready", flush=True)
sys.stdin.readline()
with writer(sys.argv[1]) as con:
    load_consumption(con, pages, sys.argv[2].split(","), run_id="child")
print("done", flush=True)
"""


def _checksums(con_path: Path, pages: list[Path]) -> str:
    with writer(con_path) as con:
        load_consumption(con, pages, DAY_KEYS)
        return table_checksum(con, "billing.consumption_records")


def _spawn(path: Path, pages: list[Path]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), ",".join(DAY_KEYS), *map(str, pages)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.xdist_group("kill")
def test_sigkill_during_loads_leaves_previous_contents_and_rerun_converges(tmp_path: Path) -> None:
    pages_a = fee_pages(tmp_path / "a", days(FIRST_DAY, 3), 300, seed=1)
    pages_b = fee_pages(tmp_path / "b", days(FIRST_DAY, 3), 300, seed=2)
    checksum_a = _checksums(tmp_path / "ref_a.duckdb", pages_a)
    checksum_b = _checksums(tmp_path / "ref_b.duckdb", pages_b)
    assert checksum_a != checksum_b
    path = tmp_path / "w.duckdb"
    started = time.monotonic()
    with writer(path) as con:
        load_consumption(con, pages_b, DAY_KEYS)
    load_seconds = time.monotonic() - started
    rng = random.Random(4)
    outcomes: list[str] = []
    child = _spawn(path, pages_b)
    for _trial in range(TRIALS):
        with writer(path) as con:
            load_consumption(con, pages_a, DAY_KEYS)
            assert table_checksum(con, "billing.consumption_records") == checksum_a
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        upcoming = _spawn(path, pages_b)  # imports while this trial runs
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
        time.sleep(rng.uniform(0, load_seconds * 1.3))
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()  # waits, and closes its pipes
        with writer(path, deadline_s=30) as con:
            after_kill = table_checksum(con, "billing.consumption_records")
            assert after_kill in (checksum_a, checksum_b)
            outcomes.append("previous" if after_kill == checksum_a else "committed")
            load_consumption(con, pages_b, DAY_KEYS)
            assert table_checksum(con, "billing.consumption_records") == checksum_b
        child = upcoming
    child.kill()
    child.communicate()
    assert len(outcomes) == TRIALS
    assert "previous" in outcomes  # some kills landed before the commit
