"""`redress keys`: issuing and revoking API keys.

Keys are kept by the key authority, the complaints service, and work on every service (the
others introspect them there, libs/platform/http/key_authority.py); `--service S` limits a
key to service S. `--store S` keeps a key in service S's own store instead, for a service
that runs without the authority (no REDRESS_COMPLAINTS_URL)."""

from __future__ import annotations

from uuid import UUID

import click
from eventsourcing.application import AggregateNotFoundError

from libs.domain.access import PROVIDER_SERVICE
from libs.domain.errors import DomainError
from libs.domain.values import Role
from libs.platform.http.auth import KeyRing
from services.commands.cipher import cipher
from services.commands.common import service_named, settings_for
from services.commands.signing import signing
from services.registry import ServiceEntry

#: The service that keeps the deployment's keys and answers for them (introspection).
AUTHORITY = "complaints"


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
@click.option(
    "--service",
    "service",
    default=None,
    help="Limit the key to this service (default: it works on every service)",
)
@click.option(
    "--provider",
    "provider_id",
    default=None,
    help="For --role provider: the ADR provider the key belongs to (its key works only on "
    "the ADR gateway, for that provider's referrals)",
)
@click.option(
    "--store",
    default=AUTHORITY,
    show_default=True,
    help="Whose key store keeps the key: the key authority, or a service run without it",
)
def keys_create(
    role: str,
    name: str | None,
    legal_entity: str | None,
    service: str | None,
    provider_id: str | None,
    store: str,
) -> None:
    """Create a key; its secret is printed once, as the last line."""
    if (role == Role.PROVIDER) != (provider_id is not None):
        raise click.BadParameter(
            "--provider ID goes with --role provider, and only with it", param_hint="--provider"
        )
    if role == Role.PROVIDER and service is None:
        service = PROVIDER_SERVICE  # a provider's key works on the ADR gateway only
    limited_to = _serving(service).name if service is not None else None
    entry = _serving(store)
    application = entry.application(settings_for(entry))
    try:
        key, secret = KeyRing(application).issue(
            role=Role(role),
            name=name or (provider_id if provider_id else role),
            legal_entity=legal_entity,
            service=limited_to,
            provider_id=provider_id,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        application.close()
    scope = key.acts_for or "every entity"
    click.echo(
        f"key id: {key.id}  role: {role}  name: {key.name}  entity: {scope}  "
        f"service: {limited_to or 'every service'}  store: {entry.name}"
        + (f"  provider: {provider_id}" if provider_id else "")
    )
    click.echo(secret)


def _serving(name: str) -> ServiceEntry:
    """A service that answers API requests with keys (not a helper process)."""
    entry = service_named(name)
    if entry.part_of or not entry.keeps_database:
        raise click.BadParameter(f"'{name}' takes no API keys")
    return entry


@keys.command("revoke")
@click.argument("key_id")
@click.option(
    "--store",
    "--service",
    "store",
    default=AUTHORITY,
    show_default=True,
    help="Whose key store keeps the key (only for a key created with --store)",
)
def keys_revoke(key_id: str, store: str) -> None:
    """Revoke a key by its id; every service refuses it within REDRESS_KEY_CACHE_SECONDS."""
    entry = _serving(store)
    try:
        identity = UUID(key_id)
    except ValueError:
        raise click.BadParameter(f"'{key_id}' is not a key id (a UUID)") from None
    application = entry.application(settings_for(entry))
    try:
        KeyRing(application).revoke(identity)
    except AggregateNotFoundError:
        raise click.ClickException(f"no key with id {key_id} in the {entry.name} store") from None
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        application.close()
    click.echo(f"revoked {key_id}")
