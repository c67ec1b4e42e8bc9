"""How the `redress` command line reaches the ADR gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from libs.platform.eventstore import event_store_env
from services.adr_gateway.app import create_app
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.bootstrap import bootstrap, migrate
from services.adr_gateway.settings import GatewaySettings


def _application(settings: GatewaySettings) -> GatewayApplication:
    return GatewayApplication(env=event_store_env(settings.database_url, pool_size=2))


@dataclass(frozen=True)
class _Entry:
    settings_class: Any = GatewaySettings
    bootstrap: Any = bootstrap
    migrate: Any = migrate
    create_app: Any = create_app
    application: Any = _application


ENTRY = _Entry()
