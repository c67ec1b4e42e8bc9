"""/v1/provider/referrals: the ADR provider's own API (issue 19), with its own key.

A provider's key (`redress keys create --role provider --provider ID`) sees the referrals
given to its provider and nothing else: another provider's referral is 404, exactly as one
that does not exist. Documents are fetched through expiring links made for the key that
asked (`use_cases/provider_api.py`). Messages and requests for information are recorded on
the referral (`MessagePosted`) and reach the complaint, where staff are told; the firm's
answers come back through `POST /v1/referrals/{id}/messages` and are read here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from libs.domain.referral import MAX_MESSAGE_LENGTH, Referral
from libs.domain.referral_lifecycle import ReferralStatus
from libs.domain.values import Role
from libs.platform.http.auth import Principal, require_roles
from libs.platform.http.domain_problems import domain_problems
from libs.platform.http.idempotency import IdempotentRequest, idempotent_request
from libs.platform.http.json_body import JSONBody
from libs.platform.http.openapi_contract import response_header, success_headers
from libs.platform.http.problems import Problem, problem_responses
from libs.platform.http.query_parameters import KnownQueryParameters
from libs.platform.runtime.jsonable import jsonable
from services.adr_gateway.api.deps import (
    READ_PROBLEMS,
    REFUSALS,
    WRITE_PROBLEMS,
    Service,
    referral_in_scope,
)
from services.adr_gateway.bootstrap import GatewayService
from services.adr_gateway.use_cases.provider_api import (
    BUNDLE_FILES,
    UPLOADABLE,
    DocumentLink,
    DocumentRefused,
    LinkRefused,
    answer_provider,
    document_bytes,
    list_providers_referrals,
    post_providers_message,
    providers_referral,
    upload_document,
    uploaded_document,
)

router = APIRouter(prefix="/v1/provider/referrals", tags=["provider API"])
#: The firm's side of the conversation, on the referral as staff see it.
firm_router = APIRouter(prefix="/v1/referrals/{referral_id}", tags=["referrals"])

ProviderKey = Depends(require_roles(Role.PROVIDER))
#: Staff who may answer a provider (the keys that work cases, and administrators).
Staff = Depends(require_roles(Role.AGENT, Role.SUPERVISOR, Role.ADMIN))
MAX_REFERRAL_ID_LENGTH = 200


def provider_view(referral: Referral) -> dict[str, Any]:
    """What a provider sees of its referral: the case, its status, and the conversation;
    not the firm's delivery internals (attempts, selection)."""
    return jsonable(  # type: ignore[no-any-return]
        {
            "id": referral.reference,
            "complaint_id": referral.complaint_id,
            "status": referral.status,
            "delivery": referral.delivery,
            "provider_id": referral.provider_id,
            "bundle": referral.bundle,
            "webhook_id": referral.webhook_id,
            "delivered_at": referral.delivered_at,
            "provider_updates": referral.provider_updates,
            "decision": referral.decision,
            "referred_at": referral.referred_at,
            "legal_entity": referral.legal_entity,
            "messages": referral.messages,
            "documents": referral.documents,
        }
    )


def _referral(service: GatewayService, referral_id: str, principal: Principal) -> Referral:
    if len(referral_id) > MAX_REFERRAL_ID_LENGTH:
        raise Problem(404, "not-found", "Not found", "no such referral")
    with domain_problems(*REFUSALS):
        return providers_referral(service.application.referral(referral_id), principal)


@router.get(
    "",
    responses=READ_PROBLEMS,
    summary="The referrals given to this key's provider, a page at a time",
    operation_id="listProviderReferrals",
)
def list_referrals(
    principal: Principal = ProviderKey,
    _known: None = KnownQueryParameters,
    service: GatewayService = Service,
    status: ReferralStatus | None = Query(None, description="Only referrals in this status"),
    limit: int = Query(20, ge=1, le=100, description="At most this many referrals"),
    after: str | None = Query(
        None, max_length=36, description="The `next_after` of the page before"
    ),
) -> Response:
    page = list_providers_referrals(
        principal,
        application=service.application,
        engine=service.engine,
        status=status,
        limit=limit,
        after=after,
    )
    return JSONBody(
        {"referrals": [provider_view(r) for r in page.referrals], "next_after": page.next_after}
    )


@router.get(
    "/{referral_id}",
    responses=READ_PROBLEMS,
    summary="One referral given to this key's provider, with its messages",
    operation_id="getProviderReferral",
)
def get_referral(
    referral_id: str, principal: Principal = ProviderKey, service: GatewayService = Service
) -> Response:
    return JSONBody(provider_view(_referral(service, referral_id, principal)))


def _not_built() -> Problem:
    return Problem(
        409,
        "not-prepared",
        "Not prepared yet",
        "the bundle has not been built yet; retry shortly",
        headers={"Retry-After": "2"},
    )


@router.get(
    "/{referral_id}/bundle",
    responses={
        **READ_PROBLEMS,
        **problem_responses(409),
        200: {"content": {"application/json": {}}},
    },
    summary="The case bundle as it was built and sent to the provider (JSON)",
    operation_id="getProviderReferralBundle",
)
def bundle(
    referral_id: str, principal: Principal = ProviderKey, service: GatewayService = Service
) -> Response:
    referral = _referral(service, referral_id, principal)
    stored = service.bundles.stored(str(referral.id))
    if stored is None:
        raise _not_built()
    return Response(
        stored.body, media_type="application/json", headers={"ETag": f'"{stored.sha256}"'}
    )


@router.get(
    "/{referral_id}/documents",
    responses={**READ_PROBLEMS, **problem_responses(409)},
    summary="The referral's documents, each with a link that works for a few minutes",
    operation_id="listProviderReferralDocuments",
)
def documents(
    referral_id: str, principal: Principal = ProviderKey, service: GatewayService = Service
) -> Response:
    referral = _referral(service, referral_id, principal)
    stored = service.bundles.stored(str(referral.id))
    if stored is None:
        raise _not_built()
    links = DocumentLink(service.cipher, seconds=service.settings.document_link_seconds)
    files = (referral.bundle or {}).get("files") or {}
    listed = []
    for name, media_type in BUNDLE_FILES.items():
        content = document_bytes(stored, name)
        if content is None:
            continue
        token, expires = links.make(principal, referral.reference, name)
        listed.append(
            {
                "name": name,
                "media_type": media_type,
                "size": len(content),
                "sha256": stored.sha256 if name == "bundle.json" else files.get(name),
                "url": f"{router.prefix}/{referral.reference}/documents/{name}?link={token}",
                "expires_at": expires,
            }
        )
    for uploaded in referral.documents:
        token, expires = links.make(principal, referral.reference, uploaded["id"])
        listed.append(
            {
                "name": uploaded["id"],
                "filename": uploaded["filename"],
                "media_type": uploaded["media_type"],
                "size": uploaded["size"],
                "sha256": uploaded["sha256"],
                "uploaded_at": uploaded["uploaded_at"],
                "url": f"{router.prefix}/{referral.reference}/documents/{uploaded['id']}"
                f"?link={token}",
                "expires_at": expires,
            }
        )
    return JSONBody(jsonable({"documents": listed, "link_seconds": links.seconds}))


@router.get(
    "/{referral_id}/documents/{name}",
    responses={
        **READ_PROBLEMS,
        **problem_responses(409),
        200: {"content": {m: {} for m in BUNDLE_FILES.values()}},
    },
    summary="One document, through the link listed for it (with the key it was made for)",
    operation_id="fetchProviderReferralDocument",
)
async def document(
    referral_id: str,
    name: str,
    link: Annotated[str, Query(max_length=2000, description="The link's token, as listed")],
    principal: Principal = ProviderKey,
    service: GatewayService = Service,
) -> Response:
    referral = await run_in_threadpool(_referral, service, referral_id, principal)
    try:
        DocumentLink(service.cipher).check(link, principal, referral.reference, name)
    except LinkRefused as refused:
        raise Problem(403, "link-refused", "Link refused", str(refused)) from None
    stored = await run_in_threadpool(service.bundles.stored, str(referral.id))
    if stored is None:
        raise _not_built()
    if name in BUNDLE_FILES:
        content = await run_in_threadpool(document_bytes, stored, name)
        media_type = BUNDLE_FILES[name]
    else:
        found = await run_in_threadpool(uploaded_document, service.engine, referral, name)
        content, media_type = found if found is not None else (None, "")
    if content is None:
        raise Problem(404, "not-found", "Not found", f"no document '{name}' on this referral")
    return Response(content, media_type=media_type)


UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The document's bytes, sent as its own media type (at most "
        "REDRESS_MAX_BODY_BYTES, 1 MiB by default)",
        "content": {
            media_type: {
                "schema": {"type": "string", "format": "binary"},
                "example": "%PDF-1.7 …" if media_type == "application/pdf" else "…",
            }
            for media_type in UPLOADABLE
        },
    }
}
DOCUMENTS_LOCATION = response_header(
    "Where the documents are listed, each with its link", "/v1/provider/referrals/REF-1/documents"
)


@router.post(
    "/{referral_id}/documents",
    status_code=201,
    responses={
        **WRITE_PROBLEMS,
        **problem_responses(415),
        **success_headers(201, Location=DOCUMENTS_LOCATION),
    },
    summary="Upload a document about the case (a decision letter), kept with its SHA-256",
    operation_id="uploadProviderDocument",
    openapi_extra=UPLOAD_BODY,
)
async def upload(
    referral_id: str,
    request: Request,
    filename: Annotated[
        str,
        Query(min_length=1, max_length=255, description="The document's file name"),
    ],
    principal: Principal = ProviderKey,
    service: GatewayService = Service,
    idempotent: IdempotentRequest = Depends(idempotent_request),
) -> Response:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    content = await request.body()

    def produce() -> Response:
        _referral(service, referral_id, principal)
        try:
            with domain_problems(*REFUSALS):
                document = upload_document(
                    referral_id,
                    principal,
                    content=content,
                    media_type=media_type,
                    filename=filename,
                    application=service.application,
                    engine=service.engine,
                )
        except DocumentRefused as refused:
            status = 415 if refused.field == "Content-Type" else 422
            raise Problem(
                status,
                "unsupported-media-type" if status == 415 else "invalid-document",
                "Document refused",
                str(refused),
                errors=[{"field": refused.field, "message": str(refused)}],
            ) from None
        return JSONBody(
            jsonable(document),
            status_code=201,
            headers={"Location": f"{router.prefix}/{referral_id}/documents"},
        )

    return await run_in_threadpool(idempotent.run, produce)


class PostMessage(BaseModel):
    kind: Literal["message", "request_for_information"] = Field(
        description="A message, or a request for information the firm is to answer"
    )
    body: Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE_LENGTH)]

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "request_for_information",
                    "body": "Please send the call recording of 3 March mentioned in the "
                    "final response.",
                }
            ]
        },
    )


class AnswerMessage(BaseModel):
    in_reply_to: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        description="The id of the provider's message this answers"
    )
    body: Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE_LENGTH)]

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "in_reply_to": "msg_3f2a9c0d4e5b6a7c8d9e0f1a2b3c4d5e",
                    "body": "The recording is attached to the complaint as document 7.",
                }
            ]
        },
    )


MESSAGE_LOCATION = response_header(
    "Where the message is read",
    "/v1/provider/referrals/REF-1/messages/msg_3f2a9c0d4e5b6a7c8d9e0f1a2b3c4d5e",
)
ANSWER_LOCATION = response_header(
    "Where the referral, with its messages, is read", "/v1/referrals/REF-1"
)


@router.post(
    "/{referral_id}/messages",
    status_code=201,
    responses={**WRITE_PROBLEMS, **success_headers(201, Location=MESSAGE_LOCATION)},
    summary="Write to the firm: a message or a request for information",
    operation_id="postProviderMessage",
)
def post_message(
    referral_id: str,
    body: PostMessage,
    principal: Principal = ProviderKey,
    service: GatewayService = Service,
    idempotent: IdempotentRequest = Depends(idempotent_request),
) -> Response:
    def produce() -> Response:
        _referral(service, referral_id, principal)
        with domain_problems(*REFUSALS):
            message = post_providers_message(
                referral_id,
                principal,
                kind=body.kind,
                body=body.body,
                application=service.application,
            )
        return JSONBody(
            jsonable(message),
            status_code=201,
            headers={"Location": f"{router.prefix}/{referral_id}/messages/{message['id']}"},
        )

    return idempotent.run(produce)


@router.get(
    "/{referral_id}/messages/{message_id}",
    responses=READ_PROBLEMS,
    summary="One message of the conversation with the firm",
    operation_id="getProviderMessage",
)
def message(
    referral_id: str,
    message_id: str,
    principal: Principal = ProviderKey,
    service: GatewayService = Service,
) -> Response:
    referral = _referral(service, referral_id, principal)
    for found in referral.messages:
        if found["id"] == message_id:
            return JSONBody(jsonable(found))
    raise Problem(404, "not-found", "Not found", f"no message '{message_id}' on this referral")


@router.get(
    "/{referral_id}/messages",
    responses=READ_PROBLEMS,
    summary="The conversation with the firm: the provider's messages and the firm's answers",
    operation_id="listProviderMessages",
)
def messages(
    referral_id: str, principal: Principal = ProviderKey, service: GatewayService = Service
) -> Response:
    referral = _referral(service, referral_id, principal)
    return JSONBody({"messages": jsonable(referral.messages)})


@firm_router.post(
    "/messages",
    status_code=201,
    responses={**WRITE_PROBLEMS, **success_headers(201, Location=ANSWER_LOCATION)},
    summary="Answer the provider's message or request for information",
    operation_id="answerProviderMessage",
)
def answer(
    referral_id: str,
    body: AnswerMessage,
    principal: Principal = Staff,
    service: GatewayService = Service,
    idempotent: IdempotentRequest = Depends(idempotent_request),
) -> Response:
    def produce() -> Response:
        if len(referral_id) > MAX_REFERRAL_ID_LENGTH:
            raise Problem(404, "not-found", "Not found", "no such referral")
        with domain_problems(*REFUSALS):
            referral = referral_in_scope(service.application.referral(referral_id), principal)
            message = answer_provider(
                referral,
                principal,
                in_reply_to=body.in_reply_to,
                body=body.body,
                application=service.application,
            )
        return JSONBody(
            jsonable(message),
            status_code=201,
            headers={"Location": f"/v1/referrals/{referral_id}"},
        )

    return idempotent.run(produce)


#: Keys that may read a provider's uploaded documents on the firm's side.
FirmReader = Depends(
    require_roles(Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.SERVICE)
)


@firm_router.get(
    "/documents/{document_id}",
    responses={**READ_PROBLEMS, 200: {"content": {m: {} for m in UPLOADABLE}}},
    summary="A document the provider uploaded (a decision letter), as uploaded",
    operation_id="getProviderDocument",
)
def firm_document(
    referral_id: str,
    document_id: str,
    principal: Principal = FirmReader,
    service: GatewayService = Service,
) -> Response:
    if len(referral_id) > MAX_REFERRAL_ID_LENGTH:
        raise Problem(404, "not-found", "Not found", "no such referral")
    with domain_problems(*REFUSALS):
        referral = referral_in_scope(service.application.referral(referral_id), principal)
    found = uploaded_document(service.engine, referral, document_id)
    if found is None:
        raise Problem(
            404, "not-found", "Not found", f"no document '{document_id}' on this referral"
        )
    content, media_type = found
    return Response(content, media_type=media_type)
