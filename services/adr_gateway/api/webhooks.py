"""POST /v1/providers/{provider_id}/webhooks: what providers tell us about their cases."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from libs.platform.http.domain_problems import domain_problems
from libs.platform.http.json_body import JSONBody
from libs.platform.http.problems import Problem, problem_responses
from services.adr_gateway.api.deps import REFUSALS
from services.adr_gateway.api.webhook_contract import INBOUND_BODY
from services.adr_gateway.application import ReferralNotFound
from services.adr_gateway.inbound import provider_update
from services.adr_gateway.use_cases.provider_updates import record_provider_update

router = APIRouter(prefix="/v1/providers/{provider_id}/webhooks", tags=["provider webhooks"])


def _no_referral(error: Exception) -> Problem:
    assert isinstance(error, ReferralNotFound)
    return Problem(404, "not-found", "Not found", f"no referral '{error.reference}'")


@router.post(
    "",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    summary="A provider's signed update on one of its referrals (Standard Webhooks)",
    operation_id="receiveProviderWebhook",
    openapi_extra=INBOUND_BODY,  # read by hand below: the signature covers the raw bytes
)
async def provider_webhook(provider_id: str, request: Request) -> JSONResponse:
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    application = request.app.state.application
    cipher = request.app.state.service.cipher
    overlap = timedelta(seconds=request.app.state.service.settings.webhook_secret_overlap_seconds)

    def handle() -> str:
        with domain_problems((ReferralNotFound, _no_referral), *REFUSALS):
            update = provider_update(
                application, cipher, provider_id, body, headers, secret_overlap=overlap
            )
            return record_provider_update(update, application=application).value

    outcome = await run_in_threadpool(handle)
    return JSONBody({"status": outcome, "webhook_id": headers.get("webhook-id")})
