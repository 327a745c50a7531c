"""The instance `pbw` launches into: SQLite storage commits without an fsync per event."""

from pathlib import Path

import pytest
from sqlalchemy import text

from pipelines.instance import get_instance

SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def test_dagster_sqlite_storage_runs_with_synchronous_normal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    instance = get_instance()
    with instance.run_storage.connect() as conn:  # type: ignore[attr-defined]
        mode = conn.execute(text("PRAGMA synchronous")).scalar()
        journal = conn.execute(text("PRAGMA journal_mode")).scalar()
    assert (SYNCHRONOUS[int(mode)], str(journal).lower()) == ("NORMAL", "wal")
    assert (tmp_path / "home" / "dagster.yaml").is_symlink()
