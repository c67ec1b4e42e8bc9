"""The `webhook` adapter: POST the case as a CloudEvent, signed per Standard Webhooks."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from services.adr_gateway.adapters.base import (
    Delivery,
    DeliveryResult,
    InvalidSettings,
    Outcome,
    classify_status,
)
from services.adr_gateway.ssrf import UnsafeUrl, check_url, check_url_shape

CASE_EVENT_TYPE = "dev.redress.adr_gateway.case.referred"


def case_event(delivery: Delivery) -> bytes:
    """The body: a CloudEvent whose id is the webhook-id, with the bundle as its data (its
    `manifest_jws`, the manifest signed with the deployment key, included)."""
    head = orjson.dumps(
        {
            "specversion": "1.0",
            "id": delivery.webhook_id,
            "source": "/redress/adr-gateway",
            "type": CASE_EVENT_TYPE,
            "subject": delivery.reference,
            "time": delivery.occurred_at,
            "datacontenttype": "application/json",
        }
    )
    return head[:-1] + b',"data":' + delivery.bundle + b"}"


def sign(
    secret: str | tuple[str, ...], webhook_id: str, body: bytes, at: datetime | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`: one signature per secret, separated
    by spaces (as the standard allows during a secret rotation)."""
    moment = at or datetime.now(UTC)
    secrets = (secret,) if isinstance(secret, str) else secret
    signature = " ".join(Webhook(s).sign(webhook_id, moment, body.decode()) for s in secrets)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }


class WebhookAdapter:
    name = "webhook"
    allows_loopback_outside_development = False

    def check_settings(self, settings: dict[str, Any], *, development: bool) -> dict[str, Any]:
        url = settings.get("url")
        if not isinstance(url, str) or not url:
            raise InvalidSettings("adapter_settings.url", "the provider's webhook URL is required")
        unknown = set(settings) - {"url"}
        if unknown:
            raise InvalidSettings(f"adapter_settings.{sorted(unknown)[0]}", "unknown setting")
        try:
            check_url_shape(url, allow_loopback_http=development)
        except UnsafeUrl as error:
            raise InvalidSettings("adapter_settings.url", str(error)) from None
        return {"url": url}

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        url = str(delivery.provider.get("adapter_settings", {}).get("url", ""))
        try:
            # Checked on every attempt: the name may resolve elsewhere than last time.
            target = check_url(url, allow_loopback_http=delivery.development)
        except UnsafeUrl as error:
            return DeliveryResult(Outcome.PERMANENT, None, f"unsafe provider URL: {error}")
        secret = delivery.signing_secrets or (str(delivery.provider.get("webhook_secret", "")),)
        body = case_event(delivery)
        headers = {
            **sign(secret, delivery.webhook_id, body),
            "content-type": "application/json",
            "host": target.host_header,
            "user-agent": "redress-adr-gateway/1.0",
            **({"x-correlation-id": delivery.correlation_id} if delivery.correlation_id else {}),
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        started = time.monotonic()
        try:
            with httpx.Client(timeout=delivery.timeout, follow_redirects=False) as client:
                response = client.post(
                    target.url, content=body, headers=headers, extensions=extensions
                )
        except httpx.TimeoutException:
            elapsed = time.monotonic() - started
            return DeliveryResult(Outcome.RETRY, None, f"timed out after {elapsed:.1f}s")
        except httpx.HTTPError as error:
            # The provider's own words are never echoed back to API clients: name the kind.
            return DeliveryResult(Outcome.RETRY, None, f"connection failed: {type(error).__name__}")
        return classify_status(response.status_code, response.headers.get("retry-after"))
