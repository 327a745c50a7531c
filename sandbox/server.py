"""Run the sandbox on uvicorn: in a background thread for tests, in the foreground for `pbw sandbox serve`."""

from __future__ import annotations

import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import TextIO

import uvicorn

from partner_center.sandbox_credentials import SANDBOX_AK, SANDBOX_DOMAIN_ID, SANDBOX_SK
from sandbox.config import SandboxConfig
from sandbox.gateway import SandboxApp


def _bind(host: str, port: int) -> socket.socket:
    """Bind first so port 0 resolves to a real port before anything is printed or returned.

    TCP_NODELAY (inherited by accepted sockets): headers and body are two writes, and without it delayed
    ACKs add 40 ms to every keep-alive request.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(256)
    sock.set_inheritable(True)
    return sock


def _uvicorn(app: SandboxApp, config: SandboxConfig) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="httptools",
            loop="asyncio",
            timeout_keep_alive=30,
            backlog=256,
        )
    )


@dataclass
class RunningSandbox:
    """A sandbox serving in a background thread; `url` plus the demo credentials to talk to it."""

    url: str
    config: SandboxConfig
    app: SandboxApp
    ak: str = SANDBOX_AK
    sk: str = SANDBOX_SK
    domain_id: str = SANDBOX_DOMAIN_ID
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _socket: socket.socket | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # never show the SK
        return f"RunningSandbox(url={self.url!r}, seed={self.config.seed})"

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_in_thread(config: SandboxConfig | None = None) -> RunningSandbox:
    """Start a sandbox on `config.port` (0 = a free port) and return once it accepts connections."""
    config = config or SandboxConfig()
    app = SandboxApp(config)
    sock = _bind(config.host, config.port)
    port = sock.getsockname()[1]
    server = _uvicorn(app, config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"sandbox-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("sandbox server did not start")
        time.sleep(0.01)
    host = f"[{config.host}]" if ":" in config.host else config.host
    return RunningSandbox(
        url=f"http://{host}:{port}", config=config, app=app, domain_id=config.domain_id, _server=server,
        _thread=thread, _socket=sock,
    )


def export_lines(url: str) -> list[str]:
    """The shell lines `eval "$(pbw sandbox serve ...)"`-style setups read (demo credentials, not secrets)."""
    return [
        f"export HUAWEICLOUD_SDK_AK={SANDBOX_AK}",
        f"export HUAWEICLOUD_SDK_SK={SANDBOX_SK}",
        f"export HUAWEICLOUD_SDK_DOMAIN_ID={SANDBOX_DOMAIN_ID}",
        f"export PBW_ENDPOINT={url}",
    ]


def serve(config: SandboxConfig, out: TextIO = sys.stdout) -> int:
    """Serve in the foreground until SIGINT/SIGTERM (uvicorn handles both and shuts down cleanly)."""
    app = SandboxApp(config)
    sock = _bind(config.host, config.port)
    port = sock.getsockname()[1]
    host = f"[{config.host}]" if ":" in config.host else config.host
    for line in export_lines(f"http://{host}:{port}"):
        print(line, file=out)
    out.flush()
    server = _uvicorn(app, config)

    def stop(signum: int, frame: FrameType | None) -> None:
        """Ask uvicorn to stop; also receives the signal uvicorn re-raises after its own clean shutdown."""
        server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
