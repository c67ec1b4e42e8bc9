"""How the `redress` command line reaches the notifications service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from libs.platform.eventstore import event_store_env
from services.notifications.app import create_app
from services.notifications.application import NotificationsApplication
from services.notifications.bootstrap import ConfigurationError, bootstrap, migrate
from services.notifications.settings import NotificationsSettings


def _application(settings: NotificationsSettings) -> NotificationsApplication:
    return NotificationsApplication(env=event_store_env(settings.database_url, pool_size=2))


def _bootstrap(settings: NotificationsSettings) -> Any:
    """Refuses to start, saying why, when the rules, templates or channels are wrong."""
    try:
        return bootstrap(settings)
    except ConfigurationError as error:
        raise SystemExit(f"notifications cannot start: {error}") from None


@dataclass(frozen=True)
class _Entry:
    settings_class: Any = NotificationsSettings
    bootstrap: Any = _bootstrap
    migrate: Any = migrate
    create_app: Any = create_app
    application: Any = _application


ENTRY = _Entry()
