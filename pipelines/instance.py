"""The Dagster instance the CLI launches into: `DAGSTER_HOME`, else the project's `.dagster-home`.

Runs launched by `pbw` land in the same instance `make dev` shows, so they appear in the UI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dagster import DagsterInstance

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "dagster.yaml"
DEFAULT_HOME = ".dagster-home"


def dagster_home() -> Path:
    """The instance folder, created with the project's dagster.yaml when it has none."""
    home = Path(os.environ.get("DAGSTER_HOME") or DEFAULT_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() and PROJECT_CONFIG.exists():
        shutil.copyfile(PROJECT_CONFIG, config)
    return home


def get_instance() -> DagsterInstance:
    """The persistent instance at `dagster_home()` (pools, run storage and retries per dagster.yaml)."""
    os.environ["DAGSTER_HOME"] = str(dagster_home())
    return DagsterInstance.get()
