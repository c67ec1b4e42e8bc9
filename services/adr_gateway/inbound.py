"""Provider webhooks: verified (Standard Webhooks signature, 5-minute window), de-duplicated
by `webhook-id` (the referral remembers the ids it recorded, atomically with the update),
and only about the provider's own referrals."""

from __future__ import annotations

import binascii
from datetime import UTC, datetime
from typing import Any

import orjson
from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from libs.domain.errors import DomainError
from libs.domain.referral import ProviderEventType
from services.adr_gateway.application import GatewayApplication

MAX_RETRIES = 8


class InboundRefused(Exception):
    def __init__(self, status: int, kind: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail, self.extra = (
            status,
            kind,
            title,
            detail,
            extra,
        )


class ProviderWebhook(BaseModel):
    """What a provider sends (a CloudEvent's fields are welcome and ignored)."""

    model_config = ConfigDict(extra="ignore")
    type: str = Field(min_length=1, max_length=100)
    referral_id: str = Field(min_length=1, max_length=200)
    occurred_at: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)


def verify(secret: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except WebhookVerificationError as error:
        raise InboundRefused(401, "invalid-signature", "Invalid webhook", str(error)) from None
    except (ValueError, UnicodeDecodeError, binascii.Error):
        # Malformed headers (a signature without a version, bad base64) or a body that is
        # not UTF-8: the library raises these instead of its own error.
        raise InboundRefused(
            401, "invalid-signature", "Invalid webhook", "malformed webhook signature headers"
        ) from None


def receive(
    application: GatewayApplication, provider_id: str, body: bytes, headers: dict[str, str]
) -> str:
    """Records the provider's update; returns 'recorded' or 'duplicate'."""
    provider = application.registry().providers.get(provider_id)
    if provider is None or not provider.get("webhook_secret"):
        raise InboundRefused(404, "not-found", "Not found", f"no provider '{provider_id}'")
    verify(str(provider["webhook_secret"]), body, headers)
    try:
        message = ProviderWebhook.model_validate(orjson.loads(body))
    except orjson.JSONDecodeError:
        raise InboundRefused(
            400, "malformed-json", "Malformed JSON", "the body is not JSON"
        ) from None
    except ValidationError as error:
        fields = [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
            for e in error.errors()
        ]
        raise InboundRefused(
            422,
            "validation-error",
            "Invalid request",
            "invalid or missing field(s): " + ", ".join(sorted({f["field"] for f in fields})),
            errors=fields,
        ) from None
    try:
        event_type = ProviderEventType(message.type)
    except ValueError:
        known = ", ".join(t.value for t in ProviderEventType)
        raise InboundRefused(
            422,
            "unknown-event-type",
            "Unknown event type",
            f"unknown event type '{message.type}'; known: {known}",
            errors=[{"field": "type", "message": "unknown event type"}],
        ) from None
    webhook_id = headers.get("webhook-id", "")
    occurred_at = (message.occurred_at or datetime.now(UTC)).astimezone(UTC)
    from services.adr_gateway.application import ReferralNotFound

    for _ in range(MAX_RETRIES):
        try:
            referral = application.referral(message.referral_id)
        except ReferralNotFound:
            raise InboundRefused(
                404, "not-found", "Not found", f"no referral '{message.referral_id}'"
            ) from None
        recorded = referral.report(
            provider_id=provider_id,
            event_type=event_type,
            data=message.data,
            webhook_id=webhook_id,
            occurred_at=occurred_at,
        )
        if not recorded:
            return "duplicate"
        try:
            application.save(referral)
        except IntegrityError:
            continue  # the worker recorded a delivery result meanwhile: try on fresh state
        return "recorded"
    raise InboundRefused(409, "contention", "Conflict", "the referral kept changing; retry")


__all__ = ["DomainError", "InboundRefused", "receive", "verify"]
