"""How the `redress` command line reaches the complaints service."""

from __future__ import annotations

from libs.platform.eventstore import event_store_env
from services.complaints.app import create_app
from services.complaints.application import ComplaintsApplication
from services.complaints.bootstrap import bootstrap, migrate
from services.complaints.settings import ComplaintsSettings
from services.entry import ServiceParts


def _application(settings: ComplaintsSettings) -> ComplaintsApplication:
    return ComplaintsApplication(env=event_store_env(settings.database_url, pool_size=2))


ENTRY = ServiceParts(
    settings_class=ComplaintsSettings,
    bootstrap=bootstrap,
    migrate=migrate,
    create_app=create_app,
    application=_application,
)
