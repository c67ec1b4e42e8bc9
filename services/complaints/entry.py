"""How the `redress` command line reaches the complaints service."""

from __future__ import annotations

from services.complaints.app import create_app
from services.complaints.application import ComplaintsApplication
from services.complaints.bootstrap import bootstrap, migrate
from services.complaints.settings import ComplaintsSettings
from services.entry import ServiceParts, key_store

ENTRY = ServiceParts(
    settings_class=ComplaintsSettings,
    bootstrap=bootstrap,
    migrate=migrate,
    create_app=create_app,
    application=key_store(ComplaintsApplication),
)
