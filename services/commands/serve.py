"""`redress serve`: one service on its port, in one process or several workers."""

from __future__ import annotations

import click

from services.commands.common import service_named, settings_for


@click.command()
@click.argument("service")
@click.option("--host", default=None, help="Interface to bind (default from REDRESS_HOST)")
@click.option("--port", type=int, default=None, help="Port (default: the service's own)")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes sharing the port (default from REDRESS_WORKERS: 1)",
)
def serve(service: str, host: str | None, port: int | None, workers: int | None) -> None:
    """Serve one service: complaints, complaints-projection, adr-gateway, notifications,
    sandbox-provider, pulse-sandbox, mail-catcher."""
    from libs.platform.runtime.logging import configure_logging
    from services.serving import serve as serve_service

    entry = service_named(service)
    settings = settings_for(entry)
    if workers is None:  # REDRESS_WORKERS is shared by the processes of a service
        workers = getattr(settings, "workers", 1) if entry.scales_out else 1
    if workers > 1 and not entry.scales_out:
        raise click.BadParameter(
            f"{entry.name} runs as one process (it keeps its state in memory or must be "
            "the only one doing its work); --workers applies to complaints, adr-gateway "
            "and notifications",
            param_hint="--workers",
        )
    configure_logging(entry.name)
    serve_service(entry, settings, host or settings.host, port or entry.port, workers)
