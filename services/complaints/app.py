"""The complaints service's FastAPI app: its routers and metrics on the shared service
conventions."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

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
    legal_entities,
    lifecycle,
    offers,
    regimes,
    reports,
)
from services.complaints.api.legal_entity_scope import ComplaintInScope
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
    legal_entities.router,
)


def in_scope(routers: tuple[APIRouter, ...]) -> APIRouter:
    """Every router behind the one legal-entity check: a complaint of another entity than
    the caller's key acts for is not found, whichever route asks for it (see
    `api.legal_entity_scope`)."""
    scoped = APIRouter(dependencies=[ComplaintInScope])
    for router in routers:
        scoped.include_router(router)
    return scoped


def create_app(service: ComplaintsService | None = None) -> FastAPI:
    service = service or bootstrap()
    return service_app(
        service,
        title="Redress — complaints",
        summary="The case of record: complaints from first contact to closure, as events.",
        engine=service.read_engine,
        routers=(in_scope(ROUTERS),),
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
            "legal_entities": service.legal_entities,
        },
    )
