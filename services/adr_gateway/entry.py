"""How the `redress` command line reaches the ADR gateway."""

from __future__ import annotations

from services.adr_gateway.app import create_app
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.bootstrap import bootstrap, migrate
from services.adr_gateway.settings import GatewaySettings
from services.entry import ServiceParts, key_store

ENTRY = ServiceParts(
    settings_class=GatewaySettings,
    bootstrap=bootstrap,
    migrate=migrate,
    create_app=create_app,
    application=key_store(GatewayApplication),
)
