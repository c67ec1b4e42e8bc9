"""The complaints service's FastAPI app: its routers and metrics on the shared service
conventions."""

from __future__ import annotations

from fastapi import FastAPI

from libs.platform.http.service_app import service_app
from libs.platform.runtime.metrics import TimersDueCollector
from services.complaints.api import (
    adr,
    appeals,
    complaints,
    decisions,
    escalations,
    events,
    health,
    history,
    interactions,
    keys,
    lifecycle,
    offers,
    regimes,
    reports,
)
from services.complaints.bootstrap import ComplaintsService, bootstrap
from services.complaints.history.gap_metrics import CheckpointGapCollector

ROUTERS = (
    complaints.router,
    interactions.router,
    escalations.router,
    offers.router,
    decisions.router,
    appeals.router,
    lifecycle.router,
    adr.router,
    reports.router,
    regimes.router,
    health.router,
    events.router,
    history.router,
    history.audit_router,
    keys.router,
)


def create_app(service: ComplaintsService | None = None) -> FastAPI:
    service = service or bootstrap()
    return service_app(
        service,
        title="Redress — complaints",
        summary="The case of record: complaints from first contact to closure, as events.",
        engine=service.read_engine,
        routers=ROUTERS,
        collectors=[
            TimersDueCollector(service.scheduler.due_count),
            CheckpointGapCollector(service.application),
        ],
        state={
            "read_engine": service.read_engine,
            "idempotency": service.idempotency,
            "projector": service.projector,
            "policy": service.policy,
            "projection_runner": service.projection_runner,
        },
    )
