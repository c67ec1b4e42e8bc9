"""The operator's `redress` command line, run as an operator would (real processes)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty, Queue
from typing import IO

import httpx

from services.registry import SERVICES
from tests.support.complaints import bearer, new_complaint
from tests.support.processes import REPO, free_port, redress, redress_run, running


def test_keys_migrate_serve_rebuild_and_revoke(database_url: str, tmp_path: Path) -> None:
    env = {"REDRESS_DATABASE_URL": database_url}
    assert "read models migrated" in redress("migrate", "complaints", env=env)
    created = redress("keys", "create", "--role", "crm", "--name", "acme-crm", env=env)
    secret = created.strip().splitlines()[-1]
    key_id = created.split("key id: ")[1].split()[0]
    assert secret.startswith("rdk_")

    with running("complaints", env, tmp_path / "complaints.log") as service:
        opened = httpx.post(
            f"{service.url}/v1/complaints", json=new_complaint(), headers=bearer(secret)
        )
        assert opened.status_code == 201, opened.text
        assert httpx.get(f"{service.url}/readyz").status_code == 200
        assert (
            httpx.get(f"{service.url}/openapi.json").json()["info"]["title"].startswith("Redress")
        )

    rebuilt = redress("rebuild-read-models", "complaints", env=env)
    assert "replayed" in rebuilt
    assert "revoked" in redress("keys", "revoke", key_id, env=env)

    with running("complaints", env, tmp_path / "complaints-2.log") as service:
        refused = httpx.get(f"{service.url}/v1/complaints", headers=bearer(secret))
        assert refused.status_code == 401


#: The ports `make run` uses when nothing moves them (services/registry.py), and the mail
#: catcher's SMTP port.
DEFAULT_PORTS = (8001, 8002, 8003, 8004, 8009, 8010, 8025, 1025)


@contextmanager
def default_ports_taken() -> Iterator[None]:
    """Something listens on every default port, as a developer's own `make run` does."""
    listeners = []
    for port in DEFAULT_PORTS:
        listener = socket.socket()
        try:
            listener.bind(("127.0.0.1", port))
            listener.listen()
            listeners.append(listener)
        except OSError:  # already taken, which is what this test wants
            listener.close()
    try:
        yield
    finally:
        for listener in listeners:
            listener.close()


def every_port_free() -> dict[str, str]:
    """`REDRESS_<SERVICE>_PORT` for every service `redress up` starts, and the SMTP port."""
    env = {f"REDRESS_{name.upper()}_PORT": str(free_port()) for name in SERVICES}
    env["REDRESS_SMTP_PORT"] = str(free_port())
    return env


def test_redress_up_runs_on_free_ports_beside_a_running_system_and_ends_with_the_banner(
    tmp_path: Path,
) -> None:
    """What `make run` runs: the services start (here on free ports, while the default ports
    are taken, as they are when a developer runs `make test` beside `make run`), the banner
    with the URLs and a development key comes after every service's start-up logs, and
    Ctrl-C stops them all."""
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    ports = every_port_free()
    port = int(ports["REDRESS_COMPLAINTS_PORT"])
    projection_port = int(ports["REDRESS_COMPLAINTS_PROJECTION_PORT"])
    with default_ports_taken():
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "up"],
            cwd=workdir,
            env={**os.environ, "PYTHONPATH": str(REPO), **ports},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            output = Output(process)
            lines = output.until("Ctrl-C stops everything.", timeout=90)
            key = next(line.strip() for line in lines if line.strip().startswith("rdk_"))
            banner = next(i for i, line in enumerate(lines) if "Redress is up" in line)
            for name in SERVICES:
                url = f"http://127.0.0.1:{ports[f'REDRESS_{name.upper()}_PORT']}/docs"
                assert url in "".join(lines[banner:]), name
            # Every service logged its start-up before the banner, nothing of theirs came
            # between its lines, and nothing follows it while no one calls the services.
            logged = [i for i, line in enumerate(lines) if SERVICE_PREFIX.search(line)]
            for name in SERVICES:
                assert any(f"{name} |" in lines[i] for i in logged), name
            assert max(logged) < banner
            assert output.lines_within(seconds=6) == []
            created = httpx.post(
                f"http://127.0.0.1:{port}/v1/complaints",
                json={
                    "customer": {"id": "C-1", "name": "Ada"},
                    "channel": "web",
                    "category": "billing",
                    "description": "charged twice",
                },
                headers=bearer(key),
            )
            assert created.status_code == 201, created.text
            api_ready = httpx.get(f"http://127.0.0.1:{port}/readyz").json()
            assert api_ready["checks"]["projection"] == "separate"
            # The list is kept by its own process: it catches up without anyone listing.
            projection = f"http://127.0.0.1:{projection_port}/readyz"
            for _ in range(100):
                checks = httpx.get(projection).json()["checks"]
                if checks.get("projection_lag") == 0:
                    break
                time.sleep(0.1)
            assert checks == {"database": "ok", "projection": "running", "projection_lag": 0}
            listed = httpx.get(f"http://127.0.0.1:{port}/v1/complaints", headers=bearer(key))
            assert listed.status_code == 200
            assert [c["id"] for c in listed.json()["items"]] == [created.json()["id"]]
            # The one printed key works on the other services too (the README's examples).
            for service, path in (
                ("ADR_GATEWAY", "/v1/providers"),
                ("NOTIFICATIONS", "/v1/notifications"),
            ):
                other = f"http://127.0.0.1:{ports[f'REDRESS_{service}_PORT']}{path}"
                answered = httpx.get(other, headers=bearer(key))
                assert answered.status_code == 200, (service, answered.text)
            assert (workdir / "var" / "complaints.db").exists()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    assert process.returncode == 0


def test_redress_up_names_a_port_already_taken_before_starting_anything(tmp_path: Path) -> None:
    ports = every_port_free()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", int(ports["REDRESS_ADR_GATEWAY_PORT"])))
        taken.listen()
        refused = subprocess.run(
            [sys.executable, "-m", "services.cli", "up"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO), **ports},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert refused.returncode == 1
    port = ports["REDRESS_ADR_GATEWAY_PORT"]
    assert f"port {port} (adr_gateway) is already in use" in refused.stderr
    assert "REDRESS_ADR_GATEWAY_PORT" in refused.stderr
    assert not (tmp_path / "var").exists()  # nothing was started or created


#: The prefix `redress up` puts before a line a service wrote: its name in colour, a bar.
SERVICE_PREFIX = re.compile(r"^\x1b\[\d+m *\w+ \|\x1b\[0m ")


class Output:
    """A process's output lines, read by a thread of their own so a test can wait for
    them with a timeout."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: Queue[str] = Queue()
        assert process.stdout is not None
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in iter(stream.readline, ""):
            self.queue.put(line)

    def until(self, last: str, timeout: float) -> list[str]:
        """The lines up to and including the first containing `last`."""
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                lines.append(self.queue.get(timeout=left))
            except Empty:
                break
            if last in lines[-1]:
                return lines
        raise AssertionError("".join(lines))

    def lines_within(self, seconds: float) -> list[str]:
        time.sleep(seconds)
        lines = []
        while not self.queue.empty():
            lines.append(self.queue.get())
        return lines


def test_every_service_rebuilds_its_read_models(tmp_path: Path) -> None:
    for service in ("complaints", "complaints-projection", "adr-gateway", "notifications"):
        env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path / service}.db"}
        redress("migrate", service.replace("-", "_"), env=env)
        assert "replayed" in redress("rebuild-read-models", service, env=env)


PROCESSES = ("--processes", "2")


def test_only_the_complaints_rebuild_takes_helper_processes(tmp_path: Path) -> None:
    env = {"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/complaints.db"}
    redress("migrate", "complaints", env=env)
    assert "replayed" in redress("rebuild-read-models", "complaints", *PROCESSES, env=env)
    refused = redress_run(
        "rebuild-read-models",
        "notifications",
        *PROCESSES,
        env={"REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/notifications.db"},
    )
    assert refused.returncode == 2
    assert "notifications rebuilds in one process" in refused.stderr


def test_a_setting_out_of_range_is_named_without_a_traceback(tmp_path: Path) -> None:
    refused = redress_run(
        "migrate",
        "complaints",
        env={
            "REDRESS_DATABASE_URL": f"sqlite:///{tmp_path}/complaints.db",
            "REDRESS_WORKERS": "0",
        },
    )
    assert refused.returncode == 1
    assert "invalid setting: REDRESS_WORKERS: Input should be greater than or equal to 1" in (
        refused.stderr
    )
    assert "Traceback" not in refused.stderr


def test_migrate_without_a_service_migrates_every_service_that_keeps_a_database(
    tmp_path: Path,
) -> None:
    # Run where `var/` is the test's own: each service's default SQLite file lands there.
    completed = subprocess.run(
        [sys.executable, "-m", "services.cli", "migrate"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    migrated = [line.split(":")[0] for line in completed.stdout.splitlines()]
    assert migrated == ["complaints", "adr_gateway", "notifications"]
    assert {p.name for p in (tmp_path / "var").glob("*.db")} == {
        "complaints.db",
        "adr_gateway.db",
        "notifications.db",
    }
