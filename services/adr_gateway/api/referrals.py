"""/v1/referrals/{id}: a referral, its candidate providers, its bundle, redelivery."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from libs.domain.referral import Referral
from libs.platform.http.auth import Principal
from libs.platform.http.domain_problems import domain_problems
from libs.platform.http.etags import NOT_MODIFIED, not_modified
from libs.platform.http.export_limit import export_slot
from libs.platform.http.idempotency import IdempotentRequest, idempotent_request
from libs.platform.http.json_body import JSONBody
from libs.platform.http.openapi_contract import response_header
from libs.platform.http.problems import Problem, problem_responses
from libs.platform.http.query_parameters import KnownQueryParameters
from libs.platform.runtime.jsonable import jsonable
from services.adr_gateway.api.deps import (
    READ_PROBLEMS,
    REFUSALS,
    WRITE_PROBLEMS,
    Admin,
    Reader,
    Service,
    referral_in_scope,
)
from services.adr_gateway.bootstrap import GatewayService
from services.adr_gateway.bundle_manifest import sha256
from services.adr_gateway.delivery.bundle_store import StoredBundle
from services.adr_gateway.use_cases.referral_delivery import stored_pdf
from services.adr_gateway.use_cases.referrals import (
    NotPrepared,
    RequestRedelivery,
    rank_candidates,
    request_redelivery,
)

router = APIRouter(prefix="/v1/referrals/{referral_id}", tags=["referrals"])


def referral_view(referral: Referral) -> dict[str, Any]:
    return jsonable(  # type: ignore[no-any-return]
        {
            "id": referral.reference,
            "gateway_id": referral.id,
            "version": referral.version,
            "complaint_id": referral.complaint_id,
            "status": referral.status,
            "delivery": referral.delivery,
            "provider_id": referral.provider_id,
            "selection": referral.selection,
            "bundle": referral.bundle,
            "webhook_id": referral.webhook_id,
            "attempts": referral.attempts,
            # Every attempt of every delivery round, oldest first: a redelivery starts a
            # new round (`delivery_round`) and erases nothing from here.
            "delivery_round": referral.delivery_round,
            "attempt_history": referral.attempt_history,
            "next_attempt_at": referral.next_attempt_at,
            "delivered_at": referral.delivered_at,
            "dead_letter": referral.dead_letter,
            "provider_updates": referral.provider_updates,
            "decision": referral.decision,
            "referred_at": referral.referred_at,
            "referred_by": referral.referred_by,
            "legal_entity": referral.legal_entity,
            # The conversation with the provider (the provider API): its messages and
            # requests for information, and the firm's answers.
            "messages": referral.messages,
            # The documents the provider uploaded (decision letters): digests, not content.
            "documents": referral.documents,
        }
    )


#: Longer than any referral id: refused before the store is asked.
MAX_REFERRAL_ID_LENGTH = 200


def _known_length(referral_id: str) -> None:
    if len(referral_id) > MAX_REFERRAL_ID_LENGTH:
        raise Problem(404, "not-found", "Not found", "no such referral")


def _referral(service: GatewayService, referral_id: str, principal: Principal) -> Referral:
    """The referral, if the key may see it (another legal entity's: 404)."""
    _known_length(referral_id)
    with domain_problems(*REFUSALS):
        return referral_in_scope(service.application.referral(referral_id), principal)


def _not_prepared(error: Exception) -> Problem:
    return Problem(
        409, "not-prepared", "Not prepared yet", str(error), headers={"Retry-After": "2"}
    )


@router.get("", responses=READ_PROBLEMS, summary="A referral: provider, delivery, updates")
def get_referral(
    referral_id: str, principal: Principal = Reader, service: GatewayService = Service
) -> Response:
    return JSONBody(referral_view(_referral(service, referral_id, principal)))


@router.get(
    "/candidates",
    responses=READ_PROBLEMS,
    summary="The providers that fit the case, ranked, with the reasons",
    operation_id="listReferralCandidates",
)
def candidates(
    referral_id: str,
    principal: Principal = Reader,
    _known: None = KnownQueryParameters,
    service: GatewayService = Service,
) -> Response:
    _referral(service, referral_id, principal)
    with domain_problems((NotPrepared, _not_prepared), *REFUSALS):
        ranked = rank_candidates(
            referral_id, application=service.application, records=service.track_records
        )
    return JSONBody(
        {
            "referral_id": ranked.referral.reference,
            "case": ranked.case,
            "chosen": ranked.referral.provider_id,
            "candidates": [c.as_dict() for c in ranked.ranking if c.fits],
            "excluded": [c.as_dict() for c in ranked.ranking if not c.fits],
        }
    )


def _not_built() -> Problem:
    return Problem(
        409,
        "not-prepared",
        "Not prepared yet",
        "the bundle has not been built yet; retry shortly",
        headers={"Retry-After": "2"},
    )


def _stored_bundle(service: GatewayService, referral_id: str, principal: Principal) -> StoredBundle:
    referral = _referral(service, referral_id, principal)
    stored = service.bundles.stored(str(referral.id))
    if stored is None:
        raise _not_built()
    return stored


BUNDLE_ETAG = response_header("The SHA-256 of the bundle's bytes as sent, a strong entity tag")


@router.get(
    "/bundle",
    responses={
        **READ_PROBLEMS,
        **problem_responses(429),
        **NOT_MODIFIED,
        200: {
            "content": {"application/json": {}, "application/pdf": {}},
            "headers": {"ETag": BUNDLE_ETAG},
        },
    },
    summary="The case bundle as delivered: JSON (with its signed manifest) or PDF",
    operation_id="getReferralBundle",
)
async def bundle(
    referral_id: str,
    request: Request,
    principal: Principal = Reader,
    _slot: None = export_slot(Reader),  # at most N bundles at once per key (429 beyond)
    service: GatewayService = Service,
    format: Literal["json", "pdf"] | None = Query(None, description="Or use the Accept header"),
) -> Response:
    stored = await run_in_threadpool(_stored_bundle, service, referral_id, principal)
    wants_pdf = format == "pdf" or (
        format is None and "application/pdf" in request.headers.get("accept", "")
    )
    if wants_pdf:
        # The PDF as built: its sha256 is the manifest's files["bundle.pdf"].
        pdf = await run_in_threadpool(stored_pdf, stored)
        tag = f'"{sha256(pdf)}"'
        return not_modified(request, tag) or Response(
            pdf, media_type="application/pdf", headers={"ETag": tag}
        )
    tag = f'"{stored.sha256}"'
    return not_modified(request, tag) or Response(
        stored.body, media_type="application/json", headers={"ETag": tag}
    )


@router.get(
    "/bundle/manifest.jws",
    response_class=Response,
    responses={**READ_PROBLEMS, 200: {"content": {"application/jose": {}}}},
    summary="The bundle's manifest signed with the deployment key (compact JWS, ES256)",
    operation_id="getReferralBundleManifest",
)
def bundle_manifest_jws(
    referral_id: str, principal: Principal = Reader, service: GatewayService = Service
) -> Response:
    stored = _stored_bundle(service, referral_id, principal)
    if not stored.manifest_jws:
        raise Problem(
            404,
            "unsigned-bundle",
            "Bundle not signed",
            "this bundle was built before bundle manifests were signed",
        )
    # RFC 7515 section 9.2.1: application/jose names the compact serialisation.
    return Response(stored.manifest_jws, media_type="application/jose")


@router.post(
    "/redeliver",
    status_code=202,
    responses=WRITE_PROBLEMS,
    summary="Deliver the case again (after a dead letter, or on request)",
    operation_id="redeliverReferral",
)
def redeliver(
    referral_id: str,
    principal: Principal = Admin,
    service: GatewayService = Service,
    idempotent: IdempotentRequest = Depends(idempotent_request),
) -> Response:
    def produce() -> JSONResponse:
        _referral(service, referral_id, principal)
        with domain_problems(*REFUSALS):
            referral = request_redelivery(
                RequestRedelivery(referral_id, requested_by=principal.actor),
                application=service.application,
                wake_worker=service.worker.wake,
            )
        return JSONBody(referral_view(referral), status_code=202)

    return idempotent.run(produce)


__all__ = ["problem_responses", "router"]
