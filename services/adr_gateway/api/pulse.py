"""/v1/pulse: the gateway as a beckn PULSE application platform (BAP).

- `POST /v1/pulse/search` (admin): ask a BPP which ODR providers and services it offers; the
  answer (`on_search`) arrives at `/v1/pulse/discovery/on_search` and is returned.
- `POST /v1/pulse/providers/{provider_id}/{action}`: the provider's BPP calling back
  (`on_select`, `on_init`, `on_confirm`, `on_status`, `on_update`, `on_cancel`), signed
  with the provider's webhook secret; recorded as the provider's updates.
- `POST /v1/pulse/referrals/{referral_id}/status|cancel` (admin): ask for a status, or
  withdraw the case.

Every message in and out is checked against the PULSE schema
(`services/adr_gateway/adapters/pulse/schemas`). See docs/adr-pulse.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from libs.platform.http.auth import Principal
from libs.platform.http.domain_problems import domain_problems
from libs.platform.http.json_body import JSONBody
from libs.platform.http.problems import Problem, problem_responses
from services.adr_gateway.adapters.pulse.callbacks import Discovery, follow, receive_callback
from services.adr_gateway.adapters.pulse.messages import ack
from services.adr_gateway.api.deps import REFUSALS, Admin, referral_in_scope
from services.adr_gateway.application import ReferralNotFound
from services.adr_gateway.bootstrap import GatewayService

router = APIRouter(prefix="/v1/pulse", tags=["beckn PULSE"])

CallbackAction = Literal[
    "on_select", "on_init", "on_confirm", "on_status", "on_update", "on_cancel"
]


def _no_referral(error: Exception) -> Problem:
    assert isinstance(error, ReferralNotFound)
    return Problem(404, "not-found", "Not found", f"no referral '{error.reference}'")


def _discovery(request: Request) -> Discovery:
    found = getattr(request.app.state, "pulse_discovery", None)
    if found is None:
        found = request.app.state.pulse_discovery = Discovery()
    return found


def _overlap(service: GatewayService) -> timedelta:
    return timedelta(seconds=service.settings.webhook_secret_overlap_seconds)


class SearchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "bpp_uri": "https://odr-bpp.example",
                    "category": "mediation-service",
                    "wait_seconds": 5,
                }
            ]
        },
    )
    bpp_uri: str = Field(min_length=1, max_length=500, description="The BPP to ask")
    bpp_id: str | None = Field(None, max_length=200)
    category: str | None = Field(
        None, max_length=100, description="e.g. mediation-service, arbitration-service"
    )
    wait_seconds: float = Field(5.0, gt=0, le=30, description="How long to wait for on_search")


@router.post(
    "/search",
    responses=problem_responses(400, 401, 403, 422),
    summary="Discover ODR providers and their services through a BPP (search → on_search)",
    operation_id="pulseSearch",
)
async def search(
    body: SearchRequest, request: Request, principal: Principal = Admin
) -> JSONResponse:
    service: GatewayService = request.app.state.service
    settings = service.settings
    discovery = _discovery(request)

    def run() -> dict[str, Any]:
        return discovery.search(
            bpp_uri=body.bpp_uri,
            bpp_id=body.bpp_id,
            category=body.category,
            bap_id=settings.pulse_bap_id,
            base_url=settings.callback_base_url(),
            wait_seconds=body.wait_seconds,
            timeout=settings.delivery_timeout_seconds,
            development=settings.development,
        )

    return JSONBody(await run_in_threadpool(run))


@router.post(
    "/discovery/on_search",
    responses=problem_responses(400, 404, 422),
    summary="A BPP's catalogue, answering a search this gateway is waiting on",
    operation_id="pulseOnSearch",
)
async def on_search(request: Request) -> JSONResponse:
    body = await request.body()
    _discovery(request).on_search(body)
    return JSONBody(ack())


@router.post(
    "/providers/{provider_id}/{action}",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    summary="A provider's BPP calling back (on_confirm, on_status, …), signed per Standard "
    "Webhooks with the provider's webhook secret",
    operation_id="pulseCallback",
)
async def callback(provider_id: str, action: CallbackAction, request: Request) -> JSONResponse:
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    service: GatewayService = request.app.state.service

    def handle() -> None:
        with domain_problems((ReferralNotFound, _no_referral), *REFUSALS):
            receive_callback(
                service.application,
                service.cipher,
                provider_id=provider_id,
                action=action,
                body=body,
                headers=headers,
                bap_id=service.settings.pulse_bap_id,
                secret_overlap=_overlap(service),
            )

    await run_in_threadpool(handle)
    return JSONBody(ack())


@router.post(
    "/referrals/{referral_id}/{action}",
    responses=problem_responses(400, 401, 403, 404, 409, 422, 424),
    summary="Ask a PULSE provider for the status of a referral, or withdraw it (cancel)",
    operation_id="pulseFollow",
)
async def follow_referral(
    referral_id: str,
    action: Literal["status", "cancel"],
    request: Request,
    principal: Principal = Admin,
) -> JSONResponse:
    service: GatewayService = request.app.state.service
    settings = service.settings

    def run() -> dict[str, Any]:
        with domain_problems((ReferralNotFound, _no_referral), *REFUSALS):
            referral_in_scope(service.application.referral(referral_id), principal)
            return follow(
                service.application,
                service.cipher,
                referral_id=referral_id,
                action=action,
                bap_id=settings.pulse_bap_id,
                base_url=settings.callback_base_url(),
                timeout=settings.delivery_timeout_seconds,
                development=settings.development,
                secret_overlap=_overlap(service),
            )

    return JSONBody(await run_in_threadpool(run), status_code=202)
