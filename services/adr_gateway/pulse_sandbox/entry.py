"""How the `redress` command line reaches the PULSE sandbox (no database, no keys)."""

from __future__ import annotations

from services.adr_gateway.pulse_sandbox.app import PulseSandbox, PulseSandboxSettings, create_app
from services.entry import ServiceParts, no_key_store, no_migrations

ENTRY = ServiceParts(
    settings_class=PulseSandboxSettings,
    bootstrap=PulseSandbox,
    migrate=no_migrations,
    create_app=create_app,
    application=no_key_store("PULSE sandbox"),
)
