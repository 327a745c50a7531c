"""Process plumbing shared by the benchmarks: the sandbox in its own process, children with RSS sampling.

Everything measured runs in a child process so its peak RSS is its own, and the sandbox runs in yet
another so it never shares the measured process's GIL.
"""

from __future__ import annotations

import os
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import orjson
import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCH_RESULT "
SAMPLE_SECONDS = 0.02
MB = 1024 * 1024
TODAY = "2026-11-24"
"""The sandbox clock of every benchmark (Beijing date), so the same scale always sees the same data."""


@dataclass
class Sandbox:
    """A running `pbw sandbox serve` child and the environment its export lines describe."""

    process: subprocess.Popen[str]
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.env["PBW_ENDPOINT"].rstrip("/")

    def cpu_s(self) -> float:
        """CPU seconds (user + system) the sandbox process has used so far."""
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def get(self, path: str) -> Any:
        """GET a sandbox control path (`/_sandbox/...`); these need no signature."""
        response = httpx.get(f"{self.url}{path}", timeout=30)
        response.raise_for_status()
        return orjson.loads(response.content)

    def post(self, path: str, body: Mapping[str, object] | None = None) -> Any:
        response = httpx.post(f"{self.url}{path}", content=orjson.dumps(body or {}), timeout=30,
                              headers={"Content-Type": "application/json"})
        response.raise_for_status()
        return orjson.loads(response.content) if response.content else None

    def stats(self) -> dict[str, Any]:
        return self.get("/_sandbox/stats")

    def reset_stats(self) -> None:
        self.post("/_sandbox/stats/reset")


def parse_exports(lines: Sequence[str]) -> dict[str, str]:
    """`export NAME=value` lines (shell-quoted) into a dict; other lines are ignored."""
    env: dict[str, str] = {}
    for line in lines:
        text = line.strip()
        if not text.startswith("export "):
            continue
        for token in shlex.split(text[len("export "):]):
            name, sep, value = token.partition("=")
            if sep:
                env[name] = value
    return env


# Engine tuning passed through to the children: `PBW_DUCKDB_MEMORY_LIMIT=256MB make bench` measures it.
TUNING_VARIABLES = ("PBW_DUCKDB_MEMORY_LIMIT", "PBW_DUCKDB_THREADS")


def base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parent's environment without any real credentials, so a benchmark can only reach the sandbox."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HUAWEICLOUD_", "PBW_")) or k in TUNING_VARIABLES}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    env.update(extra or {})
    return env


@contextmanager
def sandbox(
    *,
    seed: int = 7,
    customers: int = 50,
    rate_limit: str = "off",
    records_per_day: int | None = None,
    today: str = TODAY,
    extra_args: Sequence[str] = (),
    start_timeout: float = 120.0,
) -> Iterator[Sandbox]:
    """Start `python -m pipelines.cli sandbox serve --port 0 ...`, wait until it answers, stop it after.

    `customers` is the world's size and `records_per_day` its on-demand records per customer and day.
    """
    argv = [sys.executable, "-m", "pipelines.cli", "sandbox", "serve", "--port", "0", "--seed", str(seed),
            "--customers", str(customers), "--rate-limit", str(rate_limit), "--today", today, *extra_args]
    if records_per_day is not None:
        argv += ["--records-per-day", str(records_per_day)]
    process = subprocess.Popen(argv, cwd=ROOT, env=base_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        env = _read_exports(process, start_timeout)
        box = Sandbox(process, env)
        _wait_until_answering(box, start_timeout)
        yield box
    finally:
        _stop(process)


def _read_exports(process: subprocess.Popen[str], timeout: float) -> dict[str, str]:
    """Read stdout until PBW_ENDPOINT has been exported; keep draining it afterwards so it never blocks."""
    assert process.stdout is not None
    lines: list[str] = []
    found = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        with process.stdout:  # closed at end of file (the sandbox stopped), not left to the garbage collector
            for line in process.stdout:
                if not found.is_set():
                    lines.append(line)
                    if "PBW_ENDPOINT=" in line:
                        found.set()

    threading.Thread(target=pump, daemon=True).start()
    if not found.wait(timeout):
        raise RuntimeError(f"sandbox printed no PBW_ENDPOINT within {timeout:.0f}s (exit={process.poll()})")
    return parse_exports(lines)


def _wait_until_answering(box: Sandbox, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            box.get("/_sandbox/clock")
            return
        except (httpx.HTTPError, ValueError):
            if time.monotonic() > deadline or box.process.poll() is not None:
                raise
            time.sleep(0.1)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class ChildRun:
    """What one measured child reported, plus what the parent saw from outside."""

    result: dict[str, Any]
    wall_s: float
    peak_rss_mb: float
    returncode: int
    stderr_tail: str = ""


def run_child(module: str, args: Sequence[str], env: Mapping[str, str], cwd: Path = ROOT,
              timeout: float = 3600.0, profile: Path | None = None) -> ChildRun:
    """Run `python -m module args` and sample its RSS (with its children) until it exits.

    The child prints one `BENCH_RESULT {json}` line; its own timer excludes interpreter start-up and
    imports, which the parent's wall time includes. With `profile`, the child runs under pyinstrument
    and its text profile is written there (slower: use it to explain a figure, not to report one).
    """
    prefix = ["-m", "pyinstrument", "--renderer", "text", "--outfile", str(profile)] if profile else []
    argv = [sys.executable, *prefix, "-m", module, *args]
    started = time.perf_counter()
    with subprocess.Popen(argv, cwd=cwd, env=dict(env), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as process:  # closes the pipes
        peak, out, err = _sample_peak_rss(process, timeout)
    wall = time.perf_counter() - started
    result: dict[str, Any] = {}
    for line in out.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = orjson.loads(line[len(RESULT_PREFIX):])
    return ChildRun(result, wall, peak / MB, process.returncode, err[-3000:])


def _drain(stream: IO[str] | None, into: list[str]) -> None:
    if stream is not None:
        into.append(stream.read())


def _sample_peak_rss(process: subprocess.Popen[str], timeout: float) -> tuple[int, str, str]:
    """Poll RSS of the process tree every SAMPLE_SECONDS; stdout/stderr drain in threads meanwhile."""
    out: list[str] = []
    err: list[str] = []
    threads = [
        threading.Thread(target=_drain, args=(process.stdout, out), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, err), daemon=True),
    ]
    for thread in threads:
        thread.start()
    peak = 0
    deadline = time.monotonic() + timeout
    try:
        root = psutil.Process(process.pid)
        while process.poll() is None:
            if time.monotonic() > deadline:
                process.kill()
                break
            try:
                rss = root.memory_info().rss + sum(
                    c.memory_info().rss for c in root.children(recursive=True)
                )
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(SAMPLE_SECONDS)
    except psutil.NoSuchProcess:
        pass
    process.wait()
    for thread in threads:
        thread.join()
    return peak, "".join(out), "".join(err)


def profile_path(name: str) -> Path | None:
    """Where a child's profile goes when PBW_BENCH_PROFILE=1, else None (no profiling)."""
    if os.environ.get("PBW_BENCH_PROFILE") != "1":
        return None
    folder = ROOT / "bench-results" / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.txt"


def emit(result: Mapping[str, Any]) -> None:
    """Print the one line a child reports to its parent."""
    sys.stdout.write(RESULT_PREFIX + orjson.dumps(result).decode() + "\n")
    sys.stdout.flush()


@dataclass
class Series:
    """Repeated measurements of one contender; medians are what the table shows."""

    name: str
    runs: list[dict[str, float | None]] = field(default_factory=list)

    def add(self, **values: float | None) -> None:
        self.runs.append(values)

    def median(self, key: str) -> float | None:
        values = [v for run in self.runs if (v := run.get(key)) is not None]
        return statistics.median(values) if values else None
