"""POST /v1/providers/{provider_id}/webhooks: what providers tell us about their cases."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from libs.platform.http.problems import Problem, problem_responses
from services.adr_gateway.api.deps import domain_problems
from services.adr_gateway.inbound import InboundRefused, receive

router = APIRouter(prefix="/v1/providers/{provider_id}/webhooks", tags=["provider webhooks"])


@router.post(
    "",
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    summary="A provider's signed update on one of its referrals (Standard Webhooks)",
)
async def provider_webhook(provider_id: str, request: Request) -> JSONResponse:
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}

    def handle() -> str:
        with domain_problems():
            return receive(request.app.state.application, provider_id, body, headers)

    try:
        outcome = await run_in_threadpool(handle)
    except InboundRefused as refused:
        raise Problem(
            refused.status, refused.kind, refused.title, refused.detail, **refused.extra
        ) from None
    return JSONResponse({"status": outcome, "webhook_id": headers.get("webhook-id")})
