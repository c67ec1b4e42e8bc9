"""`redress keys`: issuing and revoking the API keys kept in a service's event store."""

from __future__ import annotations

from uuid import UUID

import click
from eventsourcing.application import AggregateNotFoundError

from libs.domain.errors import DomainError
from libs.domain.values import Role
from libs.platform.http.auth import KeyRing
from services.commands.cipher import cipher
from services.commands.common import service_named, settings_for
from services.commands.signing import signing


@click.group()
def keys() -> None:
    """Issue and revoke API keys; `keys signing` manages the deployment signing key, `keys
    cipher` the keys sealing secrets at rest."""


keys.add_command(signing)
keys.add_command(cipher)


@keys.command("create")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="The key's role"
)
@click.option("--name", default=None, help="Who the key is for (shown as the actor)")
@click.option(
    "--entity",
    "--legal-entity",
    "legal_entity",
    default=None,
    help="The legal entity the key acts for (default: every entity for admin, auditor and "
    "service keys; the default entity for the others)",
)
@click.option("--service", "service", default="complaints", help="Which service's key store")
def keys_create(role: str, name: str | None, legal_entity: str | None, service: str) -> None:
    """Create a key; its secret is printed once, as the last line."""
    entry = service_named(service)
    application = entry.application(settings_for(entry))
    try:
        key, secret = KeyRing(application).issue(
            role=Role(role), name=name or role, legal_entity=legal_entity
        )
    finally:
        application.close()
    scope = key.acts_for or "every entity"
    click.echo(
        f"key id: {key.id}  role: {role}  name: {key.name}  entity: {scope}  service: {entry.name}"
    )
    click.echo(secret)


@keys.command("revoke")
@click.argument("key_id")
@click.option("--service", "service", default="complaints", help="Which service's key store")
def keys_revoke(key_id: str, service: str) -> None:
    """Revoke a key by its id; it stops working within a few seconds."""
    entry = service_named(service)
    try:
        identity = UUID(key_id)
    except ValueError:
        raise click.BadParameter(f"'{key_id}' is not a key id (a UUID)") from None
    application = entry.application(settings_for(entry))
    try:
        KeyRing(application).revoke(identity)
    except AggregateNotFoundError:
        raise click.ClickException(f"no key with id {key_id}") from None
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        application.close()
    click.echo(f"revoked {key_id}")
