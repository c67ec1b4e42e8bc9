"""`redress rebuild-read-models`: a service's read models dropped and replayed from its whole
event log (the complaints replay can be shared with helper processes)."""

from __future__ import annotations

import time

import click

from services.commands.common import progress, service_named, settings_for

#: Services whose rebuild can share the replay with helper processes.
SHARED_REBUILDS = ("complaints", "complaints_projection")


@click.command("rebuild-read-models")
@click.argument("service")
@click.option(
    "--processes",
    type=click.IntRange(min=1, max=64),
    default=None,
    help="Processes that share the replay (complaints only; default: one per core, up to 4)",
)
def rebuild_read_models(service: str, processes: int | None) -> None:
    """Drop a service's read models and replay its whole event log into them."""
    entry = service_named(service)
    if processes is not None and entry.name not in SHARED_REBUILDS:
        raise click.BadParameter(
            f"{entry.name} rebuilds in one process", param_hint="'--processes'"
        )
    built = entry.bootstrap(settings_for(entry))
    started = time.perf_counter()
    try:
        with progress(f"rebuilding {entry.name} read models") as report:
            if processes is None:
                count = built.rebuild_read_models(report)
            else:
                count = built.rebuild_read_models(report, processes=processes)
    finally:
        built.stop()
    elapsed = time.perf_counter() - started
    click.echo(f"{entry.name}: replayed {count} events in {elapsed:.1f}s")
