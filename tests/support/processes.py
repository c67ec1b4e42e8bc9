"""Real processes for end-to-end tests: `redress` commands and services on free ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redress_run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Runs the `redress` CLI, whatever its exit status (for commands meant to refuse)."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def redress(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    """Runs the `redress` CLI and returns its standard output; fails loudly on error."""
    completed = redress_run(*args, env=env, timeout=timeout)
    assert completed.returncode == 0, completed.stderr + completed.stdout
    return completed.stdout


def wait_until_healthy(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not become healthy within {timeout}s")


class ServiceProcess:
    def __init__(self, service: str, env: dict[str, str], log_path: Path, *args: str) -> None:
        self.service = service
        self.env = env
        self.args = args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "services.cli", "serve", self.service),
                *("--port", str(self.port), *self.args),
            ],
            cwd=REPO,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_healthy(self.url)
        except TimeoutError:
            self.stop()
            raise TimeoutError(self.log_path.read_text()[-4000:]) from None
        return self

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up, like a crashed process."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running(
    service: str, env: dict[str, str], log_path: Path, *args: str
) -> Iterator[ServiceProcess]:
    process = ServiceProcess(service, env, log_path, *args).start()
    try:
        yield process
    finally:
        process.stop()
