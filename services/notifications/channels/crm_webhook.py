"""The `crm_webhook` channel: the notification as a CloudEvent POSTed to the CRM, signed per
Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), like the ADR
gateway's webhooks. `webhook-id` is the notification id: the same on every retry, so the
CRM de-duplicates. The URL is the operator's own setting, not user input, so it is not
subject to the gateway's SSRF checks; redirects are still not followed.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from services.notifications.channels import Outcome, OutgoingMessage, SendResult

EVENT_TYPE = "dev.redress.notifications.notification"


def body_of(outgoing: OutgoingMessage) -> bytes:
    return orjson.dumps(
        {
            "specversion": "1.0",
            "id": outgoing.notification_id,
            "source": "/redress/notifications",
            "type": EVENT_TYPE,
            "subject": outgoing.complaint_id,
            "time": outgoing.scheduled_at,
            "datacontenttype": "application/json",
            "data": {
                "notification_id": outgoing.notification_id,
                "complaint_id": outgoing.complaint_id,
                "complaint_reference": outgoing.complaint_reference,
                "rule": outgoing.rule,
                "template": outgoing.template,
                "locale": outgoing.locale,
                "audience": outgoing.audience,
                "recipient": outgoing.recipient,
                "subject": outgoing.subject,
                "text": outgoing.text,
                "html": outgoing.html,
            },
        }
    )


def classify(status: int, retry_after: str | None) -> SendResult:
    """Only 2xx is success; 408, 429 and 5xx may pass later; other 4xx will not."""
    delay = None
    if retry_after is not None:
        try:
            delay = max(0.0, float(retry_after))
        except ValueError:
            delay = None
    if 200 <= status < 300:
        return SendResult(Outcome.DELIVERED, f"HTTP {status}")
    if status in (408, 429) or status >= 500:
        return SendResult(Outcome.RETRY, f"HTTP {status}", delay)
    if 400 <= status < 500:
        return SendResult(Outcome.PERMANENT, f"HTTP {status}")
    return SendResult(Outcome.RETRY, f"HTTP {status} (redirects are not followed)")


def _is_standard_secret(secret: str) -> bool:
    # The library decodes whatever it is given; a short or mistyped key would sign weakly.
    if not secret.startswith("whsec_"):
        return False
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        return False
    return 24 <= len(key) <= 64


class CrmWebhookChannel:
    name = "crm_webhook"

    def __init__(self, settings: Any) -> None:
        self.url: str | None = settings.crm_webhook_url
        self.secret: str | None = settings.crm_webhook_secret
        self.timeout: float = settings.crm_webhook_timeout_seconds

    def unavailable(self) -> str | None:
        if not self.url:
            return "REDRESS_CRM_WEBHOOK_URL is not set"
        if not self.url.startswith(("https://", "http://")):
            return "REDRESS_CRM_WEBHOOK_URL must be an http(s) URL"
        if not self.secret:
            return "REDRESS_CRM_WEBHOOK_SECRET (whsec_…) is not set"
        if not _is_standard_secret(self.secret):
            return (
                "REDRESS_CRM_WEBHOOK_SECRET is not a Standard Webhooks secret "
                "(whsec_ followed by base64 of 24 to 64 random bytes)"
            )
        return None

    def send(self, outgoing: OutgoingMessage) -> SendResult:
        assert self.url is not None and self.secret is not None
        body = body_of(outgoing)
        moment = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": "redress-notifications/1.0",
            **({"x-correlation-id": outgoing.correlation_id} if outgoing.correlation_id else {}),
            "webhook-id": outgoing.notification_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(self.secret).sign(
                outgoing.notification_id, moment, body.decode()
            ),
        }
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return SendResult(Outcome.RETRY, "timed out")
        except httpx.HTTPError as error:
            return SendResult(Outcome.RETRY, f"connection failed: {type(error).__name__}")
        return classify(response.status_code, response.headers.get("retry-after"))
