"""`redress verify-export`: check a case file, export PDF or referral bundle offline.

The checking is `libs.proof.verify_export`, the same file that is published as the
standalone `docs/verify_export.py`; this command only reads the options and prints.
"""

from __future__ import annotations

import json
import sys

import click

from libs.proof.verify_export import KeyRing, load_keys, render_text, verify_files


@click.command("verify-export")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(exists=True, dir_okay=False),
    help="The published signing keys (the JSON at /.well-known/redress-signing-keys, or "
    "`redress keys signing show --json`); without it, keys carried in the file are trusted "
    "on first use",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON")
def verify_export(files: tuple[str, ...], keys_file: str | None, as_json: bool) -> None:
    """Check exported files with no server and no database: every event hash, the chain,
    the head, the shown fields, the checkpoint, the manifest and PDF signatures. Give a
    bundle's PDF beside the bundle. Exits with status 1 when anything fails."""
    try:
        ring = load_keys(keys_file) if keys_file else KeyRing(None)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--keys") from None
    result = verify_files(list(files), ring)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False) if as_json else render_text(result))
    if not result["valid"]:
        sys.exit(1)
