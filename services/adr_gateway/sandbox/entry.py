"""How the `redress` command line reaches the sandbox provider (no database, no keys)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.adr_gateway.sandbox.app import Sandbox, SandboxSettings, create_app


def _no_store(_: Any) -> Any:
    raise RuntimeError("the sandbox provider has no key store")


@dataclass(frozen=True)
class _Entry:
    settings_class: Any = SandboxSettings
    bootstrap: Any = Sandbox
    migrate: Any = lambda _settings: None
    create_app: Any = create_app
    application: Any = _no_store


ENTRY = _Entry()
