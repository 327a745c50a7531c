"""Shared fixtures: a session-wide sandbox and a factory for sandboxes with other settings.

Do not move the clock or reset stats of the shared `sandbox`; start your own with `sandbox_factory`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from partner_center.signing import canonical_query, sign
from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox, start_in_thread

SandboxFactory = Callable[..., RunningSandbox]

LONG_FIRST = (
    "tests/pipelines/test_sigkill_trials.py",
    "tests/benchmarks/",
    "tests/e2e/test_reconciliation_scenario.py",
    "tests/pipelines/test_dagster_postgres.py",
    "tests/e2e/test_restatement_resweep.py",
    "tests/pipelines/test_pbw_commands.py",
    "tests/pipelines/test_run_concurrency.py",
    "tests/pipelines/test_fail_fast.py",
    "tests/pipelines/test_materializations.py",
)
"""The longest modules (`--durations`, 2026-12-05), longest first. `-n 2 --dist loadgroup` hands out work in
collection order, so a long module collected late (test_sigkill_trials.py sorts after most of tests/) ran
alone at the end while the other worker idled; started first, it runs beside everything else. (xdist hands
out the `xdist_group` units first, largest first, then single tests in this order.)"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Whole modules of LONG_FIRST to the front, in that order; the rest keep their order (a stable sort)."""

    def rank(item: pytest.Item) -> int:
        return next((i for i, p in enumerate(LONG_FIRST) if item.nodeid.startswith(p)), len(LONG_FIRST))

    items.sort(key=rank)
    if getattr(config.option, "loadgroup", False):
        _name_xdist_groups(items)


def _name_xdist_groups(items: list[pytest.Item]) -> None:
    """Give each `xdist_group` test the `@group` id suffix `--dist loadgroup` schedules by.

    pytest-xdist 3.8 sets the suffix on `item._nodeid`, which pytest 9.2 no longer reads (its ids are
    `item._id`, a NodeId): every group was silently ignored, so the tests of a group ran on both workers
    and their module fixtures (the `week`, `resellers` loads) were built twice (pytest-xdist issue 1386).
    """
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # an older pytest: xdist's own suffix works
        return
    for item in items:
        names = {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                 for m in item.iter_markers("xdist_group")}
        suffix = "@" + "_".join(sorted(names))
        if names and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Dagster instance folder of this test's own: `pbw reconcile` / `pbw invoice` report the month close
    to DAGSTER_HOME, which must never be the checkout's `.dagster-home`."""
    home = tmp_path / "dagster-home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    """The default world (seed 42, real Beijing date), no throttling, no faults."""
    with start_in_thread(SandboxConfig(rate_limit=None)) as running:
        yield running


@pytest.fixture
def sandbox_factory() -> Iterator[SandboxFactory]:
    """`sandbox_factory(seed=7, rate_limit=None)` starts a sandbox (SandboxConfig fields), stopped after."""
    started: list[RunningSandbox] = []

    def start(**overrides: Any) -> RunningSandbox:
        running = start_in_thread(SandboxConfig(**overrides))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def signed_request(
    box: RunningSandbox,
    method: str,
    path: str,
    params: dict[str, object] | None = None,
    body: dict[str, object] | None = None,
    sk: str | None = None,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """One AK/SK-signed call to a sandbox, the way the SDK sends it (JSON body with `", "` separators)."""
    query = canonical_query(params or {})
    url = f"{box.url}{path}" + (f"?{query}" if query else "")
    raw = b"" if body is None else httpx.Request("POST", url, json=body).content
    headers = {"Content-Type": "application/json", "X-Domain-Id": box.domain_id}
    headers |= sign(method, url, headers, raw, box.ak, sk or box.sk)
    if client is not None:
        return client.request(method, url, content=raw, headers=headers)
    return httpx.request(method, url, content=raw, headers=headers, timeout=30)


@pytest.fixture(scope="session")
def signed() -> Callable[..., httpx.Response]:
    """The `signed_request` helper as a fixture (test modules do not import conftest)."""
    return signed_request
