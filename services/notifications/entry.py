"""How the `redress` command line reaches the notifications service."""

from __future__ import annotations

from typing import Any

from services.entry import ServiceParts, key_store
from services.notifications.app import create_app
from services.notifications.application import NotificationsApplication
from services.notifications.bootstrap import ConfigurationError, bootstrap, migrate
from services.notifications.settings import NotificationsSettings


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
    application=key_store(NotificationsApplication),
)
