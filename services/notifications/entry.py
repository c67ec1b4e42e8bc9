"""How the `redress` command line reaches the notifications service."""

from __future__ import annotations

from typing import Any

from libs.platform.eventstore import event_store_env
from services.entry import ServiceParts
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


ENTRY = ServiceParts(
    settings_class=NotificationsSettings,
    bootstrap=_bootstrap,
    migrate=migrate,
    create_app=create_app,
    application=_application,
)
