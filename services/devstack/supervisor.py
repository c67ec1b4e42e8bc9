"""The processes of `redress up`: each service started as `redress serve` with its output
prefixed by its name in a colour of its own, a wait until every one answers /healthz, and
the watch that stops them all on Ctrl-C or SIGTERM, or when any one of them exits.

The banner must be the last thing a newcomer sees after start-up, not a line lost among the
services' start-up logs: `print_when_quiet` waits until their output has settled and prints
it while holding the lock every copied line takes. The services' routine traffic with each
other (every follower long-polls a feed, `redress up` polls /healthz) is not copied: it
would bury the banner within seconds and says nothing a developer acts on (`redress serve`
still logs it)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Any

import click
import httpx

COLOURS = ["cyan", "magenta", "yellow", "green", "blue", "red"]
ANSI = {"cyan": 36, "magenta": 35, "yellow": 33, "green": 32, "blue": 34, "red": 31}

#: A service's name and its process.
Started = tuple[str, subprocess.Popen[str]]

#: A feed long-poll or a health check, as served (access log) or as asked (httpx's log).
_ROUTINE = re.compile(r'"(HTTP Request: )?GET (\S*?)/(v1/events\?|healthz |readyz )')

#: Taken for every line copied to our output, so the banner is never interleaved.
_OUTPUT = threading.Lock()
#: When the services last wrote a line (time.monotonic()).
_last_line_at = time.monotonic()


def start(name: str, port: int, env: dict[str, str], colour: str) -> Started:
    """`redress serve name --port port`, its output copied to ours behind its name."""
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", name, "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    threading.Thread(target=_pump, args=(name, colour, process.stdout), daemon=True).start()
    return name, process


def _pump(name: str, colour: str, stream: IO[str]) -> None:
    prefix = f"\033[{ANSI[colour]}m{name:>13} |\033[0m "
    global _last_line_at
    for line in iter(stream.readline, ""):
        if _ROUTINE.search(line):
            continue
        with _OUTPUT:
            sys.stdout.write(prefix + line)
            sys.stdout.flush()
            _last_line_at = time.monotonic()


def print_when_quiet(text: str, quiet: float = 1.0, at_most: float = 15.0) -> None:
    """Prints `text` once no service has written for `quiet` seconds (or after `at_most`
    seconds whatever they write), so it follows their start-up logs."""
    deadline = time.monotonic() + at_most
    while time.monotonic() < deadline and time.monotonic() - _last_line_at < quiet:
        time.sleep(0.05)
    with _OUTPUT:
        click.echo(text)


def wait_until_healthy(ports: list[int], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)


def supervise(processes: list[Started]) -> None:
    """Until Ctrl-C, SIGTERM or the exit of any one; then stops them all (killing those that
    take over ten seconds)."""
    stopping = threading.Event()

    def stop(*_: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping.is_set():
        for name, process in processes:
            if process.poll() is not None:
                click.echo(f"{name} exited with status {process.returncode}; stopping all")
                stopping.set()
        stopping.wait(0.5)
    for _, process in processes:
        if process.poll() is None:
            process.terminate()
    for _, process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
