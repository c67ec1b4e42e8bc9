"""How the `redress` command line reaches the sandbox provider (no database, no keys)."""

from __future__ import annotations

from services.adr_gateway.sandbox.app import Sandbox, SandboxSettings, create_app
from services.entry import ServiceParts, no_key_store, no_migrations

ENTRY = ServiceParts(
    settings_class=SandboxSettings,
    bootstrap=Sandbox,
    migrate=no_migrations,
    create_app=create_app,
    application=no_key_store("sandbox provider"),
)
