"""`redress up`: every service started as its own process on this machine, linked to the
others, with a development admin key printed in the banner; Ctrl-C stops them all."""

from __future__ import annotations

import os
import socket

import click

from services.commands.common import settings_for
from services.devstack.databases import database_url
from services.devstack.keys import developer_key
from services.devstack.supervisor import (
    COLOURS,
    Started,
    print_when_quiet,
    start,
    supervise,
    wait_until_healthy,
)
from services.registry import SERVICES


@click.command()
@click.option(
    "--database",
    type=click.Choice(["sqlite", "postgres"]),
    default="sqlite",
    help="Embedded SQLite files under ./var (default) or the local PostgreSQL",
)
def up(database: str) -> None:
    """Start every service as its own process, with prefixed logs; Ctrl-C stops them all."""
    # Imported here: it loads the complaints and gateway applications, which every
    # `redress serve` process would otherwise load for nothing.
    from services.devstack.links import development_links

    _refuse_taken_ports()
    processes: list[Started] = []
    urls: list[str] = []
    key = ""
    databases = {
        e.name: database_url(database, e.name)
        for e in SERVICES.values()
        if e.keeps_database and not e.part_of
    }
    links = development_links(databases, {name: e.port for name, e in SERVICES.items()})
    # The complaint list is kept by its own process (services/complaints/projection_process).
    links.setdefault("complaints", {})["REDRESS_PROJECTION_IN_PROCESS"] = "false"
    # A published checkpoint log belongs to one database: switching between `--database
    # sqlite` and `postgres` must not make either look cut (docs/proof-formats.md).
    if "REDRESS_CHECKPOINT_LOG" not in os.environ:
        links["complaints"]["REDRESS_CHECKPOINT_LOG"] = f"var/checkpoints-{database}.jsonl"
    for index, entry in enumerate(SERVICES.values()):
        url = databases.get(entry.part_of or entry.name, "")
        env = {**os.environ, "REDRESS_DATABASE_URL": url, **links.get(entry.name, {})}
        settings = settings_for(entry, database_url=url, migrate_on_start=False)
        if not entry.part_of:
            entry.migrate(settings)
        if entry.name == "complaints":
            application = entry.application(settings)
            try:
                key = developer_key(application)
            finally:
                application.close()
        processes.append(start(entry.name, entry.port, env, COLOURS[index % len(COLOURS)]))
        urls.append(f"  {entry.name:<14} http://127.0.0.1:{entry.port}/docs")
    wait_until_healthy([e.port for e in SERVICES.values()])
    print_when_quiet(banner(urls, key))
    supervise(processes)


def banner(urls: list[str], key: str) -> str:
    """What a newcomer needs after `make run`: where everything is, and the key to use."""
    mail = SERVICES["mail_catcher"].port
    complaints = SERVICES["complaints"].port
    return (
        "\nRedress is up:\n"
        + "\n".join(urls)
        + f"\n\nDevelopment API key (role admin, for every service):\n  {key}\n\n"
        + f"Mail sent by the services: http://127.0.0.1:{mail}/ (also as files in var/mail/new)\n\n"
        + f"Try:\n  curl -s -H 'Authorization: Bearer {key}' "
        + f"http://127.0.0.1:{complaints}/v1/complaints\n\n"
        + "Ctrl-C stops everything."
    )


def _refuse_taken_ports() -> None:
    """Before anything starts: a port already in use (most often by another `make run`)
    would make one service exit and stop the rest, after a screen of logs."""
    for entry in SERVICES.values():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", entry.port))
            except OSError:
                variable = f"REDRESS_{entry.name.upper()}_PORT"
                raise click.ClickException(
                    f"port {entry.port} ({entry.name}) is already in use; is `make run` "
                    f"running elsewhere? Stop it, or move this one with {variable}"
                ) from None
