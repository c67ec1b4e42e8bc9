"""How the `redress` command line reaches the complaints service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from libs.platform.eventstore import event_store_env
from services.complaints.app import create_app
from services.complaints.application import ComplaintsApplication
from services.complaints.bootstrap import bootstrap, migrate
from services.complaints.settings import ComplaintsSettings


def _application(settings: ComplaintsSettings) -> ComplaintsApplication:
    return ComplaintsApplication(env=event_store_env(settings.database_url, pool_size=2))


@dataclass(frozen=True)
class _Entry:
    settings_class: Any = ComplaintsSettings
    bootstrap: Any = bootstrap
    migrate: Any = migrate
    create_app: Any = create_app
    application: Any = _application


ENTRY = _Entry()
