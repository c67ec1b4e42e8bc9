"""`redress verify` and `redress checkpoint`: the auditor's proof that the complaints history
is unaltered (each chain re-derived and held to the latest Merkle checkpoint, and, with
`--against`, to a checkpoint published outside the database), and the signed checkpoint
that anchors it.

With `--json` the result alone goes to stdout; the progress bar and notices go to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import click

from services.commands.common import progress, service_named, settings_for


def published_keys(keys_file: str | None) -> list[dict[str, Any]] | None:
    """The deployment's published keys: from a file saved from
    `/.well-known/redress-signing-keys`, or the local key store (None when it has none)."""
    from libs.platform.signing.keys import SigningKeyStore

    if keys_file is not None:
        try:
            keys = json.loads(Path(keys_file).read_text())["keys"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise click.BadParameter(f"not a published key set ({error})") from None
        return list(keys)
    store = SigningKeyStore()
    return store.published() if store.exists else None


@click.command()
@click.argument("complaint_id", required=False)
@click.option("--all", "everything", is_flag=True, help="Verify every stored chain")
@click.option(
    "--against",
    "against",
    default=None,
    metavar="FILE|LINE",
    help="With --all: hold the database to the newest checkpoint of a published checkpoint "
    "log (a file, or one line of it)",
)
@click.option(
    "--keys",
    "keys_file",
    default=None,
    metavar="FILE",
    help="The published signing keys (JSON from /.well-known/redress-signing-keys); "
    "default: the keys in REDRESS_SIGNING_DIR",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON")
def verify(
    complaint_id: str | None,
    everything: bool,
    against: str | None,
    keys_file: str | None,
    as_json: bool,
) -> None:
    """Re-derive the hash chain of one complaint (or --all) and check it against the latest
    checkpoint; exits with status 1 when anything does not verify."""
    from libs.platform.eventstore.integrity.against import verify_against
    from libs.platform.eventstore.integrity.audit import (
        chain_recorder,
        verify_aggregate,
        verify_all,
    )
    from libs.platform.eventstore.integrity.published_log import (
        MalformedPublishedLog,
        read_published,
    )

    if everything == (complaint_id is not None):
        raise click.UsageError("give either a COMPLAINT_ID or --all")
    if against is not None and not everything:
        raise click.UsageError("--against goes with --all")
    published = None
    torn: list[int] = []
    if against is not None:
        try:
            published = read_published(against, torn)
        except (OSError, MalformedPublishedLog) as error:
            raise click.BadParameter(str(error), param_hint="--against") from None
    keys = published_keys(keys_file)
    entry = service_named("complaints")
    settings = settings_for(entry)
    application = entry.application(settings)
    try:
        recorder = chain_recorder(application.recorder)
        if complaint_id is not None:
            try:
                identity = UUID(complaint_id)
            except ValueError:
                raise click.BadParameter(f"'{complaint_id}' is not a complaint id") from None
            verdict = verify_aggregate(recorder, identity)
            if verdict.events == 0 and verdict.valid:
                raise click.ClickException(f"no complaint with id {complaint_id}")
            result = verdict.as_dict()
        else:
            with progress("verifying every chain") as report:
                result = verify_all(recorder, report, keys).as_dict()
            result["gap"]["checkpoint_interval_seconds"] = settings.checkpoint_interval_seconds
            if published is not None:
                held = verify_against(recorder, published, keys).as_dict()
                if torn:
                    held["notes"].append(f"skipped torn lines (cut short by a crash): {torn}")
                result["against"] = held
                result["valid"] = result["valid"] and held["valid"]
    finally:
        application.close()
    if as_json:
        click.echo(json.dumps(result, indent=2))
    elif complaint_id is not None:
        _print_one(complaint_id, result)
    else:
        _print_all(result)
    if not result["valid"]:
        sys.exit(1)


def _print_one(complaint_id: str, result: dict[str, Any]) -> None:
    state = "valid" if result["valid"] else "INVALID"
    click.echo(f"{complaint_id}: {state}, {result['events']} events, head {result['head_hash']}")
    if not result["valid"]:
        click.echo(f"  first bad version {result['first_bad_version']}: {result['reason']}")


def _print_all(result: dict[str, Any]) -> None:
    click.echo(
        f"{result['aggregates']} chains ({result['by_type']}), {result['events']} events "
        f"in {result['seconds']:.1f}s: {'valid' if result['valid'] else 'INVALID'}"
    )
    for failure in result["failures"]:
        click.echo(
            f"  {failure['originator_id']}: version {failure['first_bad_version']}: "
            f"{failure['reason']}"
        )
    for problem in result["checkpoint_problems"]:
        click.echo(f"  checkpoint log: {problem}")
    _print_signatures(result)
    _print_gap(result["gap"])
    if "against" in result:
        _print_against(result["against"])


def _print_signatures(result: dict[str, Any]) -> None:
    if result["unsigned_checkpoints"]:
        click.echo(
            f"  {result['unsigned_checkpoints']} checkpoints are unsigned (written before "
            "checkpoints were signed)"
        )
    if not result["signatures_checked"]:
        click.echo("  checkpoint signatures not checked: no signing key (give --keys)")


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"


def _print_gap(gap: dict[str, Any]) -> None:
    interval = gap["checkpoint_interval_seconds"]
    every = f"checkpoints every {interval:g}s" if interval else "no periodic checkpoints"
    if gap["checkpoint_seq"] is None:
        click.echo(
            f"  not yet anchored: {_events(gap['events_since_checkpoint'])}, "
            f"no checkpoint yet ({every})"
        )
        return
    click.echo(
        f"  not yet anchored: {_events(gap['events_since_checkpoint'])} recorded since checkpoint "
        f"#{gap['checkpoint_seq']}, written {gap['seconds_since_checkpoint']:.0f}s ago ({every})"
    )


def _print_against(held: dict[str, Any]) -> None:
    published = held["published"] or {}
    click.echo(
        f"against published checkpoint #{published.get('seq')} (position "
        f"{published.get('position')}, root {str(published.get('root'))[:16]}…): "
        f"{'valid' if held['valid'] else 'INVALID'}"
    )
    for problem in held["problems"]:
        click.echo(f"  {problem}")
    for difference in held["differences"]:
        click.echo(f"  {difference['originator_id']}: {difference['what']}")
    for note in held["notes"]:
        click.echo(f"  note: {note}")
    if held["events_after"]:
        click.echo(f"  {_events(held['events_after'])} recorded after it (not covered by it)")


@click.command()
@click.option("--force", is_flag=True, help="Write one even if nothing changed since the last")
def checkpoint(force: bool) -> None:
    """Anchor the head of every chain in a Merkle checkpoint signed with the deployment key,
    and publish it (the checkpoint log file, and the TSA if configured); also written
    periodically by the service."""
    from libs.platform.eventstore.integrity.publisher import CheckpointLogDiverged
    from services.complaints.history.checkpointer import write_signed_checkpoint

    entry = service_named("complaints")
    settings = settings_for(entry)
    application = entry.application(settings)
    try:
        record, publication = write_signed_checkpoint(application, settings, force=force)
    except CheckpointLogDiverged as error:
        raise click.ClickException(str(error)) from None
    finally:
        application.close()
    for failure in publication.timestamp_errors:
        click.echo(f"not time-stamped (will retry): {failure}", err=True)
    if record is None:
        click.echo("nothing recorded since the last checkpoint; none written (use --force)")
        return
    click.echo(
        f"checkpoint #{record.seq}: {record.aggregates} chains up to event {record.position}, "
        f"root {record.root}, published to {settings.checkpoint_log}"
    )
