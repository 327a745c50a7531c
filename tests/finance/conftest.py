"""`pbw reconcile` / `pbw invoice` report the month close to the Dagster instance at DAGSTER_HOME: each
test gets its own, never the checkout's `.dagster-home`."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh instance folder for this test."""
    home = tmp_path / "dagster-home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home
