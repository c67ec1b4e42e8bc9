"""`redress keys signing`: the deployment key that signs exports, bundles and checkpoints."""

from __future__ import annotations

import json

import click

from libs.platform.signing.keys import NoSigningKey, SigningKeyStore

DIRECTORY_OPTION = click.option(
    "--dir",
    "directory",
    default=None,
    envvar="REDRESS_SIGNING_DIR",
    help="The signing key's directory (default var/signing)",
)


@click.group()
def signing() -> None:
    """Create, rotate and show the deployment signing key."""


@signing.command("create")
@DIRECTORY_OPTION
@click.option(
    "--rotate",
    is_flag=True,
    help="Replace an existing key; the old certificate stays published so that what it "
    "signed still verifies",
)
def signing_create(directory: str | None, rotate: bool) -> None:
    """Create the key pair (once; services also make it on first use)."""
    store = SigningKeyStore(directory)
    if store.exists and not rotate:
        raise click.ClickException(
            f"a signing key already exists in {store.directory} (kid {store.load().kid}); "
            "pass --rotate to replace it"
        )
    key = store.rotate() if rotate else store.load_or_create()
    click.echo(f"signing key {key.kid} in {store.directory}")


@signing.command("show")
@DIRECTORY_OPTION
@click.option("--json", "as_json", is_flag=True, help="The published keys as JSON")
def signing_show(directory: str | None, as_json: bool) -> None:
    """Show the public key and certificate (never the private key)."""
    store = SigningKeyStore(directory)
    try:
        key = store.load()
    except NoSigningKey as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps({"keys": store.published()}, indent=2))
        return
    click.echo(f"kid: {key.kid}")
    click.echo(f"directory: {store.directory}")
    click.echo(f"valid until: {key.certificate.not_valid_after_utc.isoformat()}")
    click.echo(key.certificate_pem.decode().rstrip())
