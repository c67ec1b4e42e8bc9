"""`redress entities`: registering and listing the deployment's legal entities (kept in the
complaints service's event store, as `POST /v1/legal-entities` keeps them)."""

from __future__ import annotations

import json

import click

from libs.domain.errors import DomainError
from services.commands.common import service_named, settings_for
from services.complaints.legal_entities import LegalEntityDirectory
from services.complaints.policy import ComplaintPolicy


def _directory(regime: str | None = None) -> tuple[LegalEntityDirectory, object]:
    entry = service_named("complaints")
    settings = settings_for(entry)
    if regime is not None:
        policy = ComplaintPolicy.from_settings(settings)
        if regime not in policy.regimes:
            known = ", ".join(policy.regime_names)
            raise click.BadParameter(
                f"no regime '{regime}' (known: {known})", param_hint="--regime"
            )
    application = entry.application(settings)
    return LegalEntityDirectory(application, settings.default_legal_entity_name), application


@click.group()
def entities() -> None:
    """Register and list the legal entities complaints belong to."""


@entities.command("create")
@click.option("--id", "entity_id", required=True, help="A short id: lower-case letters, digits, -")
@click.option("--name", required=True, help="The entity's legal name")
@click.option(
    "--ref",
    "references",
    multiple=True,
    metavar="SCHEME=REF",
    help="A regulator reference, e.g. fca_frn=123456, afsl=234567, cfpb_company_id=... "
    "(repeatable)",
)
@click.option("--regime", default="default", help="The regime its complaints follow by default")
@click.option("--calendar", "calendar", default=None, help="Its default calendar subdivision")
def entities_create(
    entity_id: str, name: str, references: tuple[str, ...], regime: str, calendar: str | None
) -> None:
    """Register a legal entity; keys for it are made with `redress keys create --entity ID`."""
    refs: dict[str, str] = {}
    for reference in references:
        scheme, sep, value = reference.partition("=")
        if not sep:
            raise click.BadParameter(f"'{reference}' is not SCHEME=REF", param_hint="--ref")
        refs[scheme.strip()] = value.strip()
    directory, application = _directory(regime)
    try:
        entity = directory.register(
            entity_id=entity_id,
            name=name,
            regulator_references=refs,
            default_regime=regime,
            calendar_subdivision=calendar,
            registered_by="cli",
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    finally:
        application.close()  # type: ignore[attr-defined]
    click.echo(f"registered {entity.id}: {entity.name}")


@entities.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the entities as JSON")
def entities_list(as_json: bool) -> None:
    """The deployment's legal entities, the default one included."""
    directory, application = _directory()
    try:
        known = directory.all()
    finally:
        application.close()  # type: ignore[attr-defined]
    if as_json:
        click.echo(json.dumps([e.record() for e in known.values()], indent=2))
        return
    for entity in known.values():
        refs = ", ".join(f"{k}={v}" for k, v in entity.regulator_references.items()) or "-"
        note = "" if entity.registered else "  (default, not registered)"
        click.echo(f"{entity.id}\t{entity.name}\tregime: {entity.default_regime}\t{refs}{note}")
