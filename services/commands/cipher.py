"""`redress keys cipher`: the keys that seal secrets at rest (the gateway's provider webhook
secrets; `libs.platform.runtime.cipher`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from libs.platform.runtime.cipher import (
    KEY_ENV,
    Cipher,
    CipherKeyError,
    KeyFile,
    cipher_from_env,
    is_sealed,
    new_key,
    sealed_key_id,
)
from services.adr_gateway.settings import GatewaySettings
from services.adr_gateway.use_cases.providers import SECRET_FIELDS, reseal_secrets
from services.commands.common import service_named, settings_for

GATEWAY = "adr_gateway"


def _gateway_settings() -> GatewaySettings:
    settings: GatewaySettings = settings_for(service_named(GATEWAY))
    return settings


def _cipher(settings: GatewaySettings) -> Cipher:
    try:
        return cipher_from_env(settings.cipher_key, settings.cipher_key_file)
    except CipherKeyError as error:
        raise click.ClickException(str(error)) from None


@click.group()
def cipher() -> None:
    """Show and rotate the keys sealing secrets at rest (never prints a key in use)."""


@cipher.command("show")
def cipher_show() -> None:
    """Where the keys come from, their ids (the sealing key first), and how many of the
    gateway's provider secrets each has sealed (an old key may go once it seals none)."""
    settings = _gateway_settings()
    keys = _cipher(settings)
    click.echo(f"source: {keys.source}")
    click.echo(f"sealing key: {keys.current_key_id}")
    for older in keys.key_ids[1:]:
        click.echo(f"opening key: {older}")
    application = service_named(GATEWAY).application(settings)
    try:
        stored = [
            value
            for provider in application.registry().providers.values()
            for name in SECRET_FIELDS
            if isinstance(value := provider.stored().get(name), str)
        ]
    finally:
        application.close()
    sealed = Counter(str(sealed_key_id(value)) for value in stored if is_sealed(value))
    unknown = sorted(key for key in sealed if key not in keys.key_ids)  # no key opens these
    for key in [*keys.key_ids, *unknown]:
        click.echo(f"provider secrets sealed with {key}: {sealed.get(key, 0)}")
    in_clear = len(stored) - sum(sealed.values())
    if in_clear:
        click.echo(f"provider secrets in clear: {in_clear} (sealed at the gateway's next start)")


@cipher.command("rotate")
def cipher_rotate() -> None:
    """A new sealing key, then every provider secret sealed again under it now. The old keys
    stay in the key file to open what they sealed; services that are running read the file
    again when they meet the new key. With REDRESS_CIPHER_KEY set, the keys are yours to
    change: this prints a new key to put first in it."""
    settings = _gateway_settings()
    if settings.cipher_key:
        click.echo(
            f"{KEY_ENV} is set, so the keys are not in a file this command may change. Put "
            f"this new key first in {KEY_ENV} (comma-separated, the old keys after it), "
            "restart the gateway (it seals every secret again under the first key at start), "
            "then drop the old keys once `redress keys cipher show` counts none sealed with "
            "them:",
            err=True,
        )
        click.echo(new_key())
        return
    file = KeyFile(Path(settings.cipher_key_file))
    try:
        file.rotate()
    except CipherKeyError as error:
        raise click.ClickException(str(error)) from None
    keys = _cipher(settings)
    application = service_named(GATEWAY).application(settings)
    try:
        resealed = reseal_secrets(application=application, cipher=keys)
    finally:
        application.close()
    click.echo(f"sealing key {keys.current_key_id} in {file.path}")
    click.echo(f"provider secrets sealed again: {resealed}")
