"""How the `redress` command line reaches the ADR gateway."""

from __future__ import annotations

from services.adr_gateway.app import create_app
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.bootstrap import ConfigurationError, GatewayService, bootstrap, migrate
from services.adr_gateway.settings import GatewaySettings
from services.entry import ServiceParts, key_store


def _bootstrap(settings: GatewaySettings) -> GatewayService:
    """Refuses to start, saying why, when a setting cannot be used (the cipher keys)."""
    try:
        return bootstrap(settings)
    except ConfigurationError as error:
        raise SystemExit(f"adr_gateway cannot start: {error}") from None


ENTRY = ServiceParts(
    settings_class=GatewaySettings,
    bootstrap=_bootstrap,
    migrate=migrate,
    create_app=create_app,
    application=key_store(GatewayApplication),
)
