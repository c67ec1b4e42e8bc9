"""Provider webhooks, the HTTP side: who sent it and what it says.

A provider's webhook is accepted only from that provider (its Standard Webhooks signature
verifies with the provider's secret, or during the overlap after a rotation with the secret
it replaced; within the library's 5-minute window) and only in the
shape providers send (`ProviderWebhook`); everything else is refused here, as a problem
document, before anything is recorded. What is accepted becomes a `RecordProviderUpdate`
command (see `use_cases.provider_updates`).
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from libs.domain.referral_lifecycle import ProviderEventType
from libs.platform.http.currencies import RULE as CURRENCY_RULE
from libs.platform.http.currencies import currency_codes
from libs.platform.http.instants import Instant
from libs.platform.http.problems import Problem, validation_problem
from libs.platform.runtime.cipher import CannotUnseal, Cipher
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.use_cases.provider_updates import RecordProviderUpdate
from services.adr_gateway.webhook_secrets import webhook_secrets

log = structlog.get_logger()


class ProviderWebhook(BaseModel):
    """What a provider sends (a CloudEvent's fields are welcome and ignored)."""

    model_config = ConfigDict(extra="ignore")
    type: str = Field(min_length=1, max_length=100)
    referral_id: str = Field(min_length=1, max_length=200)
    # RFC 3339 with an offset, within the years Redress reads (libs/platform/http/instants):
    # a time near year 1 or 9999 overflowed when converted to UTC below, a 500.
    occurred_at: Instant | None = None
    data: dict[str, Any] = Field(default_factory=dict)


def verify(secrets: tuple[str, ...], body: bytes, headers: Mapping[str, str]) -> None:
    """Passes when the webhook verifies with any of `secrets` (the current one first)."""
    failure = "no secret to verify with"
    for secret in secrets:
        try:
            Webhook(secret).verify(body, dict(headers), json_parse=False)
            return
        except WebhookVerificationError as error:
            failure = str(error)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            # Malformed headers (a signature without a version, bad base64) or a body that
            # is not UTF-8: the library raises these instead of its own error.
            raise Problem(
                401, "invalid-signature", "Invalid webhook", "malformed webhook signature headers"
            ) from None
    raise Problem(401, "invalid-signature", "Invalid webhook", failure)


def _check_award_currency(event_type: ProviderEventType, data: Mapping[str, Any]) -> None:
    """An award's currency is ISO 4217 money (the list every amount in the API is checked
    against); the rest of the award is the referral's to check."""
    award = data.get("award")
    if event_type != ProviderEventType.DECISION_ISSUED or not isinstance(award, dict):
        return
    currency = award.get("currency")
    if isinstance(currency, str) and currency not in currency_codes():
        raise Problem(
            422,
            "validation-error",
            "Invalid award",
            f"'{currency}' is not accepted: an award's currency is {CURRENCY_RULE}",
            errors=[{"field": "data.award.currency", "message": CURRENCY_RULE}],
        )


def provider_update(
    application: GatewayApplication,
    cipher: Cipher,
    provider_id: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    secret_overlap: timedelta = timedelta(0),
) -> RecordProviderUpdate:
    """The update a provider's webhook asks to record, once it is known to come from that
    provider and to say something a provider may say. `headers` have lower-case names;
    `cipher` opens the provider's sealed secret."""
    provider = application.registry().providers.get(provider_id)
    try:
        secrets = (
            ()
            if provider is None
            else webhook_secrets(
                provider, now=datetime.now(UTC), overlap=secret_overlap, cipher=cipher
            )
        )
    except CannotUnseal as error:
        # Not the provider's fault: this process lacks the key that sealed the secret (a
        # replica with other cipher keys). Nothing is recorded; the provider retries.
        log.error("webhook secret cannot be opened", provider_id=provider_id, error=str(error))
        raise Problem(
            503,
            "unavailable",
            "Service unavailable",
            "the provider's webhook secret cannot be read right now; nothing was recorded — retry",
            headers={"Retry-After": "60"},
        ) from None
    if provider is None or not secrets:
        raise Problem(404, "not-found", "Not found", f"no provider '{provider_id}'")
    verify(secrets, body, headers)
    try:
        message = ProviderWebhook.model_validate(orjson.loads(body))
    except orjson.JSONDecodeError:
        raise Problem(400, "malformed-json", "Malformed JSON", "the body is not JSON") from None
    except ValidationError as error:
        raise validation_problem(list(error.errors())) from None
    try:
        event_type = ProviderEventType(message.type)
    except ValueError:
        known = ", ".join(t.value for t in ProviderEventType)
        raise Problem(
            422,
            "unknown-event-type",
            "Unknown event type",
            f"unknown event type '{message.type}'; known: {known}",
            errors=[{"field": "type", "message": "unknown event type"}],
        ) from None
    _check_award_currency(event_type, message.data)
    return RecordProviderUpdate(
        provider_id=provider_id,
        referral_id=message.referral_id,
        event_type=event_type,
        data=message.data,
        webhook_id=headers.get("webhook-id", ""),
        occurred_at=(message.occurred_at or datetime.now(UTC)).astimezone(UTC),
        body_sha256=hashlib.sha256(body).hexdigest(),
    )
