"""`redress migrate`: a service's read-model tables brought to the latest migration."""

from __future__ import annotations

import click

from services.commands.common import service_named, settings_for
from services.registry import SERVICES


@click.command()
@click.argument("service", required=False)
def migrate(service: str | None) -> None:
    """Upgrade the read-model tables of one service (or all) to the latest migration."""
    # The sandbox provider and the mail catcher keep no database: nothing to migrate.
    entries = (
        [service_named(service)]
        if service
        else [e for e in SERVICES.values() if e.keeps_database and not e.part_of]
    )
    for entry in entries:
        settings = settings_for(entry, migrate_on_start=False)
        entry.migrate(settings)
        click.echo(f"{entry.name}: read models migrated ({settings.database_url})")
