"""The notifications service's FastAPI app: its routers and metrics on the shared service
conventions."""

from __future__ import annotations

from fastapi import FastAPI

from libs.platform.http.service_app import service_app
from services.notifications.api import events, followups, health, notifications, reports
from services.notifications.bootstrap import NotificationsService, bootstrap
from services.notifications.metrics import NotificationsCollector


def create_app(service: NotificationsService | None = None) -> FastAPI:
    service = service or bootstrap()
    app = service_app(
        service,
        title="Redress — notifications",
        summary="Tells customers and staff what they need to know, when they need to know it, "
        "and asks customers afterwards how it went.",
        engine=service.engine,
        routers=[m.router for m in (notifications, followups, reports, events, health)],
        collectors=[NotificationsCollector(service.engine, service.clock)],
    )
    followups.declare_form_schema(app)
    return app
