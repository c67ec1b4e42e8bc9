"""What the `redress` command line needs of each service (see `services.registry.SERVICES`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from libs.platform.eventstore.application import event_store_env


def no_migrations(_settings: Any) -> None:
    """For a service that keeps no database."""


def key_store(application_class: Callable[..., Any]) -> Callable[[Any], Any]:
    """For a service whose API keys live in its own event store: `redress keys` opens it
    with two connections, enough for one command."""

    def open_store(settings: Any) -> Any:
        return application_class(env=event_store_env(settings.database_url, pool_size=2))

    return open_store


def no_key_store(service: str) -> Callable[[Any], Any]:
    """For a service that issues no API keys."""

    def refuse(_settings: Any) -> Any:
        raise RuntimeError(f"the {service} has no key store")

    return refuse


@dataclass(frozen=True)
class ServiceParts:
    settings_class: type[Any]
    bootstrap: Callable[[Any], Any]
    migrate: Callable[[Any], None]
    create_app: Callable[[Any], Any]
    #: The service's event store, for `redress keys` (raises where there is none).
    application: Callable[[Any], Any]
