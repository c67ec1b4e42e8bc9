"""`redress`: the operator's command line (SPEC section 6).

The operator's commands are in `services.commands` (one module per job) and the services
they act on in `services.registry`; `redress up`, the development supervisor, is still here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
import httpx

from libs.domain.values import Role
from libs.platform.http.auth import KeyRing
from services.commands.common import settings_for
from services.commands.integrity import checkpoint, verify
from services.commands.keys import keys
from services.commands.migrate import migrate
from services.commands.rebuild import rebuild_read_models
from services.commands.serve import serve
from services.registry import SERVICES, ServiceEntry

DEV_KEY_FILE = Path("var/dev-api-key")
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@click.group()
def main() -> None:
    """Redress: event-sourced complaint handling, from first contact to external ADR."""


for command in (serve, migrate, keys, rebuild_read_models, verify, checkpoint):
    main.add_command(command)


# -- up: the whole system on one machine ---------------------------------------------------

COLOURS = ["cyan", "magenta", "yellow", "green", "blue", "red"]
ANSI = {"cyan": 36, "magenta": 35, "yellow": 33, "green": 32, "blue": 34, "red": 31}


def _database_url(kind: str, service: str) -> str:
    if kind == "postgres":
        _ensure_postgres_database(f"redress_{service}")
        return f"{LOCAL_POSTGRES}/redress_{service}"
    return f"sqlite:///var/{service}.db"


def _ensure_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{LOCAL_POSTGRES}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def _dev_key(entry: ServiceEntry, settings: Any) -> str:
    """Reuses the development key kept in var/, or issues a new admin key."""
    application = entry.application(settings)
    try:
        keyring = KeyRing(application)
        if DEV_KEY_FILE.exists():
            secret = DEV_KEY_FILE.read_text().strip()
            if keyring.verify(secret) is not None:
                return secret
        _, secret = keyring.issue(role=Role.ADMIN, name="developer")
    finally:
        application.close()
    DEV_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEV_KEY_FILE.write_text(secret + "\n")
    return secret


def _pump(name: str, colour: str, stream: Any) -> None:
    prefix = f"\033[{ANSI[colour]}m{name:>13} |\033[0m "
    for line in iter(stream.readline, ""):
        sys.stdout.write(prefix + line)
        sys.stdout.flush()


@main.command()
@click.option(
    "--database",
    type=click.Choice(["sqlite", "postgres"]),
    default="sqlite",
    help="Embedded SQLite files under ./var (default) or the local PostgreSQL",
)
def up(database: str) -> None:
    """Start every service as its own process, with prefixed logs; Ctrl-C stops them all."""
    processes: list[tuple[str, subprocess.Popen[str]]] = []
    urls: list[str] = []
    key = ""
    databases = {  # the sandbox provider and the mail catcher keep no database
        e.name: _database_url(database, e.name)
        for e in SERVICES.values()
        if e.name not in NO_DATABASE and not e.part_of
    }
    links = _development_links(databases)
    links["notifications"] = _notification_links(databases)
    # The complaint list is kept by its own process (services/complaints/projection_process).
    links.setdefault("complaints", {})["REDRESS_PROJECTION_IN_PROCESS"] = "false"
    for index, entry in enumerate(SERVICES.values()):
        url = databases.get(entry.part_of or entry.name, "")
        env = {**os.environ, "REDRESS_DATABASE_URL": url, **links.get(entry.name, {})}
        settings = settings_for(entry, database_url=url, migrate_on_start=False)
        if not entry.part_of:
            entry.migrate(settings)
        if entry.name == "complaints":
            key = _dev_key(entry, settings)
        port = _port_of(entry)
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", entry.name, "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        processes.append((entry.name, process))
        colour = COLOURS[index % len(COLOURS)]
        threading.Thread(
            target=_pump, args=(entry.name, colour, process.stdout), daemon=True
        ).start()
        urls.append(f"  {entry.name:<14} http://127.0.0.1:{port}/docs")
    _wait_until_healthy([_port_of(e) for e in SERVICES.values()])
    click.echo("\nRedress is up:\n" + "\n".join(urls))
    click.echo(f"\nDevelopment API key (role admin):\n  {key}\n")
    click.echo(
        f"Mail sent by the services: http://127.0.0.1:{_port_of(SERVICES['mail_catcher'])}/ "
        "(also as files in var/mail/new)\n"
    )
    click.echo(
        "Try:\n  curl -s -H 'Authorization: Bearer "
        f"{key}' http://127.0.0.1:{_port_of(SERVICES['complaints'])}/v1/complaints\n\n"
        "Ctrl-C stops everything."
    )
    _supervise(processes)


def _development_links(databases: dict[str, str]) -> dict[str, dict[str, str]]:
    """Service keys between the services and the sandbox registered as a provider."""
    from services.adr_gateway.devlinks import development_links

    return development_links(databases, {name: _port_of(e) for name, e in SERVICES.items()})


NO_DATABASE = ("sandbox_provider", "mail_catcher")


def _notification_links(databases: dict[str, str]) -> dict[str, str]:
    """Service keys with which notifications reads the complaints and gateway feeds."""
    from services.notifications.devlinks import notification_links

    return notification_links(databases, {name: _port_of(e) for name, e in SERVICES.items()})


def _port_of(entry: ServiceEntry) -> int:
    return entry.port


def _wait_until_healthy(ports: list[int], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)


def _supervise(processes: list[tuple[str, subprocess.Popen[str]]]) -> None:
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


if __name__ == "__main__":
    main()
