"""The ADR gateway's FastAPI app: its routers and metrics on the shared service conventions."""

from __future__ import annotations

from fastapi import FastAPI

from libs.platform.http.service_app import service_app
from services.adr_gateway.api import (
    events,
    health,
    provider,
    providers,
    pulse,
    referrals,
    webhooks,
)
from services.adr_gateway.api.webhook_contract import with_webhooks
from services.adr_gateway.bootstrap import GatewayService, bootstrap
from services.adr_gateway.metrics import DeliveryCollector


def create_app(service: GatewayService | None = None) -> FastAPI:
    service = service or bootstrap()
    app = service_app(
        service,
        title="Redress — ADR gateway",
        summary="Chooses the ADR provider, packages the case, delivers it reliably, and takes "
        "the provider's updates back.",
        engine=service.engine,
        routers=[
            *(m.router for m in (providers, webhooks, pulse, referrals, provider, events, health)),
            provider.firm_router,
        ],
        collectors=[DeliveryCollector(service.engine)],
        state={"idempotency": service.idempotency},
    )
    return with_webhooks(app)  # what the gateway sends providers, as OpenAPI 3.1 webhooks
