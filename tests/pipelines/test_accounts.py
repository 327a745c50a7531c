"""Issue 17: several partner accounts in one deployment, each swept into its own partitions.

Two real sandboxes (different domain ids and AK/SK pairs) over HTTP, real Dagster runs picked per account by
run config, one warehouse file; a rerun of one account leaves the other's rows exactly as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, Definitions, build_schedule_context

from partner_center import ratelimit
from pipelines.accounts import AccountsError, load_accounts
from pipelines.commands import PlannedRun, execute
from pipelines.definitions import defs
from pipelines.resources import PartnerCenterResource, PipelineSettings, WarehouseResource
from pipelines.schedules import account_schedules
from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox, start_in_thread
from tests.pipelines import pbw_expected as expected
from warehouse.connection import reader

TODAY = date(2026, 11, 10)
B_DOMAIN = "b0b0b0b0c1c1c1c1d2d2d2d2e3e3e3e3"
B_KEYS = ("SANDBOXAKPBWB0000000", "second-account-sk-not-a-secret-0000")


@pytest.fixture(scope="module")
def boxes() -> Iterator[tuple[RunningSandbox, RunningSandbox]]:
    with (
        start_in_thread(SandboxConfig(customers=5, today=TODAY, rate_limit=None, seed=3)) as a,
        start_in_thread(SandboxConfig(customers=4, today=TODAY, rate_limit=None, seed=4,
                                      domain_id=B_DOMAIN, partner_keys=(B_KEYS,))) as b,
    ):
        yield a, b


def write_accounts(tmp: Path, a: RunningSandbox, b: RunningSandbox) -> Path:
    path = tmp / "accounts.toml"
    path.write_text(
        f'[[account]]\nname = "cn"\ndomain_id = "{a.domain_id}"\nendpoint = "{a.url}"\n'
        'ak_env = "TEST_CN_AK"\nsk_env = "TEST_CN_SK"\n\n'
        f'[[account]]\nname = "dist-b"\ndomain_id = "{B_DOMAIN}"\nendpoint = "{b.url}"\n'
        'ak_env = "TEST_B_AK"\nsk_env = "TEST_B_SK"\n', encoding="utf-8")
    return path


def rows_of(warehouse: Path, domain: str) -> list[tuple[Any, ...]]:
    with reader(warehouse) as con:
        return con.execute("SELECT * EXCLUDE (load_id) FROM billing.consumption_records "
                           "WHERE partner_domain_id = ? ORDER BY id", [domain]).fetchall()


def test_two_accounts_load_into_their_own_partitions(
    boxes: tuple[RunningSandbox, RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = boxes
    monkeypatch.setenv("PBW_ACCOUNTS", str(write_accounts(tmp_path, a, b)))
    for name, value in (("TEST_CN_AK", a.ak), ("TEST_CN_SK", a.sk), ("TEST_B_AK", B_KEYS[0]),
                        ("TEST_B_SK", B_KEYS[1])):
        monkeypatch.setenv(name, value)
    warehouse = tmp_path / "warehouse.duckdb"
    d = Definitions(assets=defs.assets, asset_checks=defs.asset_checks, jobs=defs.jobs, resources={
        "settings": PipelineSettings(today=TODAY.isoformat(), failure_log=str(tmp_path / "f.log")),
        "warehouse": WarehouseResource(path=str(warehouse)),
        "partner_center": PartnerCenterResource()})
    instance = DagsterInstance.ephemeral(tempdir=str(tmp_path / "dagster"))

    def run(account: str) -> None:
        planned = PlannedRun("daily_job", ("consumption_records",), "2026-10-05", "2026-10-07", account)
        outcome = execute(d, instance, planned, "test")
        assert outcome.ok, outcome.failures

    run("cn")
    run("dist-b")
    first, last = date(2026, 10, 5), date(2026, 10, 7)
    for box, domain in ((a, a.domain_id), (b, B_DOMAIN)):
        rows = rows_of(warehouse, domain)
        assert len(rows) == sum(n for n, _ in expected.consumption(box, first, last).values()) > 0
    keys = [k for k in ratelimit._registry if "res-fee-records" in k]
    assert any(k.endswith(a.domain_id) for k in keys)
    assert any(k.endswith(B_DOMAIN) for k in keys)

    b_rows = rows_of(warehouse, B_DOMAIN)
    with reader(warehouse) as con:
        b_loads = con.execute("SELECT DISTINCT load_id FROM billing.consumption_records "
                              "WHERE partner_domain_id = ?", [B_DOMAIN]).fetchall()
    a_rows = rows_of(warehouse, a.domain_id)
    run("cn")  # a rerun of one account: the same rows for it, nothing of the other touched
    assert rows_of(warehouse, a.domain_id) == a_rows
    assert rows_of(warehouse, B_DOMAIN) == b_rows
    with reader(warehouse) as con:
        assert con.execute("SELECT DISTINCT load_id FROM billing.consumption_records "
                           "WHERE partner_domain_id = ?", [B_DOMAIN]).fetchall() == b_loads
    tree = tmp_path / "published" / "tables" / "billing" / "consumption_records"
    assert sorted(p.name for p in tree.iterdir()) == sorted(
        [f"partner_domain_id={a.domain_id}", f"partner_domain_id={B_DOMAIN}"])


def test_per_account_schedules_point_runs_at_their_account(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text('[[account]]\nname = "intl"\ndomain_id = "d1"\nsite = "intl"\nak_env = "X_AK"\n'
                    'sk_env = "X_SK"\n', encoding="utf-8")
    daily, bills = account_schedules(load_accounts(path)[0])
    tick = datetime(2026, 11, 9, 22, 0, tzinfo=UTC)  # 06:00 Beijing on 10 November
    context = build_schedule_context(scheduled_execution_time=tick,
                                     resources={"settings": PipelineSettings(lookback_days=2)})
    request = daily.evaluate_tick(context).run_requests[0]
    assert request.run_key == "daily-2026-11-09-intl"
    assert request.tags["pbw/account"] == "intl"
    assert request.tags["dagster/asset_partition_range_start"] == "2026-11-07"
    assert request.run_config == {"resources": {"partner_center": {"config": {"account": "intl"}}}}
    assert bills.name == "bills_refresh_schedule_intl"


@pytest.mark.parametrize(("text", "message"), [
    ('name = "cn"\ndomain_id = "d"\nsite = "cn"\nak = "AKSECRET"\nsk_env = "S"', "holds a credential"),
    ('name = "cn"\ndomain_id = "d"\nsite = "cn"\nak_env = "my-key-value"\nsk_env = "S"', "variable NAME"),
    ('name = "cn"\ndomain_id = "d"\nak_env = "A"\nsk_env = "S"', "exactly one of site"),
    ('name = "CN!"\ndomain_id = "d"\nsite = "cn"\nak_env = "A"\nsk_env = "S"', "name must be"),
], ids=["inline-secret", "value-not-name", "no-endpoint", "bad-name"])
def test_accounts_file_errors_say_what_to_write(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(f"[[account]]\n{text}\n", encoding="utf-8")
    with pytest.raises(AccountsError, match=message) as caught:
        load_accounts(path)
    assert "AKSECRET" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_missing_credential_variable_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text('[[account]]\nname = "cn"\ndomain_id = "d"\nsite = "cn"\nak_env = "NOPE_AK"\n'
                    'sk_env = "NOPE_SK"\n', encoding="utf-8")
    monkeypatch.delenv("NOPE_AK", raising=False)
    monkeypatch.setenv("NOPE_SK", "x")
    with pytest.raises(AccountsError, match="NOPE_AK is not set"):
        load_accounts(path)[0].environment()
