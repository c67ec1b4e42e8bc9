"""`redress verify` and `redress checkpoint`: the auditor's proof that the complaints history
is unaltered (each chain re-derived and held to the latest Merkle checkpoint), and the
checkpoint that anchors it."""

from __future__ import annotations

import json
import sys
from typing import Any
from uuid import UUID

import click

from services.commands.common import progress, service_named, settings_for


@click.command()
@click.argument("complaint_id", required=False)
@click.option("--all", "everything", is_flag=True, help="Verify every stored chain")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON")
def verify(complaint_id: str | None, everything: bool, as_json: bool) -> None:
    """Re-derive the hash chain of one complaint (or --all) and check it against the latest
    checkpoint; exits with status 1 when anything does not verify."""
    from libs.platform.eventstore.integrity.audit import (
        chain_recorder,
        verify_aggregate,
        verify_all,
    )

    if everything == (complaint_id is not None):
        raise click.UsageError("give either a COMPLAINT_ID or --all")
    entry = service_named("complaints")
    application = entry.application(settings_for(entry))
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
                result = verify_all(recorder, report).as_dict()
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


@click.command()
@click.option("--force", is_flag=True, help="Write one even if nothing changed since the last")
def checkpoint(force: bool) -> None:
    """Anchor the head of every chain in a Merkle checkpoint (also written periodically)."""
    from libs.platform.eventstore.integrity.audit import chain_recorder, write_checkpoint

    entry = service_named("complaints")
    application = entry.application(settings_for(entry))
    try:
        record = write_checkpoint(chain_recorder(application.recorder), force=force)
    finally:
        application.close()
    if record is None:
        click.echo("nothing recorded since the last checkpoint; none written (use --force)")
        return
    click.echo(
        f"checkpoint #{record.seq}: {record.aggregates} chains up to event {record.position}, "
        f"root {record.root}"
    )
