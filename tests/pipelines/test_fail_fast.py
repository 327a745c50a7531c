"""A bad day says why in one line: nothing listening, a wrong SK, a command that raises."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

TODAY = date(2026, 11, 20)


def _env(tmp: Path, endpoint: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PBW_", "HUAWEICLOUD_", "DAGSTER_"))}
    (tmp / "dagster-home").mkdir(exist_ok=True)
    env.update(PBW_ENDPOINT=endpoint, PBW_WAREHOUSE=str(tmp / "warehouse.duckdb"),
               PBW_TODAY=TODAY.isoformat(), DAGSTER_HOME=str(tmp / "dagster-home"),
               PBW_START_DATE="2026-10-01")
    env.update(extra)
    return env


def _pbw(env: dict[str, str], *args: str) -> tuple[int, str, float]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], env=env, text=True,
                          capture_output=True, timeout=120, check=False)
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started


def _free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_backfill_with_nothing_listening_fails_fast_naming_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    rc, out, seconds = _pbw(_env(tmp_path, url), "backfill", "--from", "2026-10-01", "--to", "2026-10-02")
    assert rc == 1
    assert seconds < 30, seconds
    lines = [line for line in out.splitlines() if "cannot reach" in line]
    # one line per failed step (customers, resellers, consumption, transactions, bills), each naming the URL
    # and the fix
    assert len(lines) == 5, out
    assert all(f"{url}/v2/" in line and "connection refused" in line and "pbw sandbox serve" in line
               for line in lines), out
    assert "Traceback" not in out


def test_wrong_sk_fails_fast_with_the_apig_0301_advice_and_no_traceback(
    sandbox_factory, tmp_path: Path
) -> None:
    box = sandbox_factory(today=TODAY, rate_limit=None, customers=4)
    env = _env(tmp_path, box.url, HUAWEICLOUD_SDK_AK=box.ak, HUAWEICLOUD_SDK_SK="not-the-sk-" + "0" * 20,
               HUAWEICLOUD_SDK_DOMAIN_ID=box.domain_id)
    rc, out, seconds = _pbw(env, "backfill", "--from", "2026-10-01", "--to", "2026-10-02")
    assert rc == 1
    assert seconds < 30, seconds
    tail = out.strip().splitlines()[-4:]
    assert all("APIG.0301" in line and "check HUAWEICLOUD_SDK_AK/SK" in line for line in tail), out
    assert "Traceback" not in out
    assert "not-the-sk" not in out  # the secret never reaches the terminal
    rc, verbose_out, _ = _pbw(env, "-v", "backfill", "--from", "2026-10-01", "--to", "2026-10-02")
    assert rc == 1
    assert 'partner_center/client.py", line' in verbose_out  # -v shows where it was raised
    assert "APIG.0301" in verbose_out


@pytest.mark.parametrize("month", ["11/2026", "2026-13", "2026-1", "abc"])
def test_a_month_that_is_not_yyyy_mm_is_refused_in_one_line(tmp_path: Path, month: str) -> None:
    rc, out, _ = _pbw(_env(tmp_path, "http://127.0.0.1:9"), "reconcile", "--month", month)
    assert rc == 2, out
    assert "YYYY-MM" in out
    assert repr(month) in out
    assert "Traceback" not in out
    assert not (tmp_path / "warehouse.duckdb").exists()


@pytest.mark.parametrize("command", [["reconcile", "--month", "2026-10"], ["invoice", "--month", "2026-10"],
                                     ["sql", "SELECT 1"]])
def test_commands_on_a_missing_warehouse_fail_without_creating_it(tmp_path: Path, command: list[str]) -> None:
    env = _env(tmp_path, "http://127.0.0.1:9", PBW_WAREHOUSE=str(tmp_path / "typo" / "warehouse.duckdb"))
    rc, out, _ = _pbw(env, *command)
    assert rc != 0, out
    assert f"no warehouse at {tmp_path / 'typo' / 'warehouse.duckdb'}" in out
    assert "PBW_WAREHOUSE" in out
    assert not (tmp_path / "typo").exists()
