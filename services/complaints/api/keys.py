"""/v1/keys/introspect: the key authority's answer to another service asking what an API key
may do (RFC 7662, OAuth 2.0 Token Introspection).

Only `service` keys may ask (the keys with which the ADR gateway and notifications already
read this service): an introspection endpoint open to every key would let any holder test
guessed keys (RFC 7662 section 2.1 requires the caller to be authorised). The token comes as
RFC 7662 sends it, a form field `token` (`application/x-www-form-urlencoded`), or as the
same field of a JSON object.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from libs.domain.values import Role
from libs.platform.http.auth import KeyRing, Principal, require_roles
from libs.platform.http.json_body import JSONBody
from libs.platform.http.media_types import unsupported
from libs.platform.http.problems import Problem, problem_responses
from services.complaints.use_cases.keys import introspect_key

router = APIRouter(prefix="/v1/keys", tags=["keys"])

FORM = "application/x-www-form-urlencoded"
_TOKEN_SCHEMA = {
    "type": "object",
    "required": ["token"],
    "properties": {"token": {"type": "string", "description": "The API key to introspect"}},
}
_ANSWER_EXAMPLE = {
    "active": True,
    "token_type": "api_key",
    "key_id": "0b8f6c1e-4d0a-5a7b-9c3e-2f1d6e8a7b40",
    "name": "acme-crm",
    "role": "crm",
    "legal_entity": "default",
    "service": None,
}


@router.post(
    "/introspect",
    operation_id="introspectKey",
    summary="What an API key may do, for another service of the deployment (RFC 7662)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {"schema": _TOKEN_SCHEMA, "example": {"token": "rdk_..."}},
                "application/json": {
                    "schema": _TOKEN_SCHEMA,
                    "example": {"token": "rdk_..."},
                },
            },
        }
    },
    responses={
        200: {
            "description": "`active` and, for an active key, what it grants; an unknown or "
            'revoked key is `{"active": false}`',
            "content": {"application/json": {"example": _ANSWER_EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 415),
    },
)
async def introspect(
    request: Request,
    _: Principal = Depends(require_roles(Role.SERVICE)),
) -> JSONResponse:
    token = _token_in(request.headers.get("content-type"), await request.body())
    keyring: KeyRing = request.app.state.keyring
    answer = introspect_key(keyring, token)
    # RFC 7662 section 4: the answer must not be kept by caches between the services.
    return JSONBody(answer, headers={"Cache-Control": "no-store"})


def _token_in(content_type: str | None, body: bytes) -> str:
    media_type = (content_type or "").split(";")[0].strip().lower()
    fields: dict[str, Any]
    if media_type == FORM:
        try:
            form = parse_qs(body.decode("utf-8"), errors="strict")
        except UnicodeDecodeError:
            raise _missing_token("the form is not UTF-8") from None
        fields = {name: values[-1] for name, values in form.items()}
    elif media_type == "application/json":
        try:
            fields = json.loads(body)
        except (ValueError, RecursionError):
            raise _missing_token("the body is not JSON") from None
        if not isinstance(fields, dict):
            raise _missing_token("the body is not a JSON object")
    else:
        raise unsupported(
            f"introspection takes the token as {FORM} (RFC 7662) or application/json; the "
            f"body is sent as '{media_type or 'nothing'}'",
            content_type,
        )
    token = fields.get("token")
    if not isinstance(token, str) or not token.strip():
        raise _missing_token("the body has no 'token' (the API key to introspect)")
    return token.strip()


def _missing_token(detail: str) -> Problem:
    return Problem(
        400,
        "invalid-request",
        "Invalid introspection request",
        f"{detail}; send token=<key> (RFC 7662 section 2.1)",
        errors=[{"field": "body.token", "message": detail}],
    )
