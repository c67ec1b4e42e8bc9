"""The webhooks in the gateway's OpenAPI document, both ways (issue 19): what a provider
sends us (`INBOUND_BODY`, the request body of `POST /v1/providers/{provider_id}/webhooks`,
read by `services.adr_gateway.inbound.ProviderWebhook`) and what we send a provider (the
OpenAPI 3.1 `webhooks` section: the case, a CloudEvent with the bundle as its data, made by
`services.adr_gateway.adapters.webhook.case_event`). Both are signed per Standard Webhooks
1.0 (`webhook-id`, `webhook-timestamp`, `webhook-signature`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from libs.domain.referral_lifecycle import DecisionOutcome, ProviderEventType
from libs.platform.http.media_types import SIGNED_BODY
from services.adr_gateway.adapters.webhook import CASE_EVENT_TYPE

_SIGNED = (
    "Signed per Standard Webhooks 1.0 with the provider's webhook secret: `webhook-id` (the "
    "same on every retry), `webhook-timestamp` (Unix seconds, within 5 minutes) and "
    "`webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, several during a "
    "secret rotation)."
)

#: What a provider sends about one of its referrals.
INBOUND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "referral_id"],
    "properties": {
        "type": {
            "type": "string",
            "enum": [t.value for t in ProviderEventType],
            "description": "What happened",
        },
        "referral_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "The referral's id, as the case the provider received names it",
        },
        "occurred_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When it happened (RFC 3339 with an offset); default: now",
        },
        "data": {
            "type": "object",
            "description": "What the type needs: `reason` (referral.declined, required); "
            "`file_complete` (referral.accepted, true or false); `outcome` (decision.issued, "
            f"one of {', '.join(o.value for o in DecisionOutcome)}), `binding`, `award` "
            '(`{"amount": "250.00", "currency": "GBP"}`, a positive amount in an ISO 4217 '
            "currency), `summary`",
            "additionalProperties": True,
        },
    },
    "additionalProperties": True,
    "description": "A provider's update (the fields of a CloudEvent are welcome and ignored). "
    + _SIGNED,
}
INBOUND_EXAMPLE = {
    "type": "decision.issued",
    "referral_id": "0b8f6c1e-4d0a-4a7b-9c3e-2f1d6e8a7b40",
    "occurred_at": "2026-05-04T10:00:00+01:00",
    "data": {
        "outcome": "upheld",
        "binding": True,
        "award": {"amount": "250.00", "currency": "GBP"},
        "summary": "The firm charged twice; it refunds the second charge.",
    },
}
INBOUND_BODY: dict[str, Any] = {
    SIGNED_BODY: True,  # the signature is checked over the raw bytes before anything else
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": INBOUND_SCHEMA, "example": INBOUND_EXAMPLE}},
    },
}

_HEADERS = [
    {
        "name": name,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }
    for name, description in (
        ("webhook-id", "The message's id, the same on every retry: de-duplicate on it"),
        ("webhook-timestamp", "When this attempt was signed, in Unix seconds"),
        ("webhook-signature", "`v1,<signature>`, space-separated during a secret rotation"),
    )
]

#: What the gateway sends a provider: the case (the `webhook` adapter).
OUTBOUND_WEBHOOKS: dict[str, Any] = {
    "caseReferred": {
        "post": {
            "operationId": "deliverCaseToProvider",
            "summary": "A case referred to the provider: a CloudEvent with the bundle",
            "description": "Sent to the provider's registered URL until it answers 2xx (retried "
            "with back-off, then dead-lettered; 410 stops). " + _SIGNED + " The bundle is "
            "also read with the provider's own key: `GET /v1/provider/referrals/{id}/bundle`.",
            "parameters": _HEADERS,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["specversion", "id", "source", "type", "data"],
                            "properties": {
                                "specversion": {"const": "1.0"},
                                "id": {"type": "string", "description": "= webhook-id"},
                                "source": {"const": "/redress/adr-gateway"},
                                "type": {"const": CASE_EVENT_TYPE},
                                "subject": {"type": "string", "description": "The referral id"},
                                "time": {"type": "string", "format": "date-time"},
                                "datacontenttype": {"const": "application/json"},
                                "data": {
                                    "type": "object",
                                    "description": "The case bundle (docs/proof-formats.md, "
                                    "'The referral bundle'), with its signed manifest",
                                },
                            },
                        },
                        "example": {
                            "specversion": "1.0",
                            "id": "msg_referral_0b8f6c1e4d0a4a7b9c3e2f1d6e8a7b40",
                            "source": "/redress/adr-gateway",
                            "type": CASE_EVENT_TYPE,
                            "subject": "0b8f6c1e-4d0a-4a7b-9c3e-2f1d6e8a7b40",
                            "time": "2026-05-04T10:00:00+00:00",
                            "datacontenttype": "application/json",
                            "data": {"bundle_version": 2, "summary": {"id": "…"}},
                        },
                    }
                },
            },
            "responses": {
                "2XX": {"description": "Received (the gateway stops sending)"},
                "410": {"description": "Gone: the gateway stops sending to this endpoint"},
            },
        }
    }
}


def with_webhooks(app: FastAPI) -> FastAPI:
    """Adds the outbound `webhooks` section to the app's OpenAPI document."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        document = build()
        document.setdefault("webhooks", OUTBOUND_WEBHOOKS)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    return app
