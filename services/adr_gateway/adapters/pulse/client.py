"""Sending one PULSE call to a BPP and reading its Ack.

Every call is checked against the schema before it leaves and its Ack after it arrives. The
body is signed per Standard Webhooks with the provider's webhook secret (the `webhook-id` is
the call's `message_id`): beckn's own signing (an ed25519 `Authorization` header with keys
from a network registry) is not implemented, see docs/adr-pulse.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from services.adr_gateway.adapters.base import DeliveryResult, Outcome, classify_status
from services.adr_gateway.adapters.pulse.messages import InvalidMessage, validate
from services.adr_gateway.adapters.webhook import sign
from services.adr_gateway.ssrf import UnsafeUrl, check_url


@dataclass(frozen=True)
class Sent:
    result: DeliveryResult
    document: dict[str, Any]


def send(
    document: dict[str, Any],
    *,
    secrets: tuple[str, ...],
    timeout: float,
    development: bool,
) -> DeliveryResult:
    """POSTs the call to `{bpp_uri}/{action}` (or the BAP's, for a callback) and classifies
    the answer: ACK is delivered, NACK is permanent (the BPP refused the message)."""
    context = document["context"]
    action = context["action"]
    validate(action, document)
    base = context["bap_uri"] if action.startswith("on_") else context.get("bpp_uri", "")
    try:
        target = check_url(f"{str(base).rstrip('/')}/{action}", allow_loopback_http=development)
    except UnsafeUrl as error:
        return DeliveryResult(Outcome.PERMANENT, None, f"unsafe PULSE URL: {error}")
    body = orjson.dumps(document)
    headers = {
        **(sign(secrets, context["message_id"], body) if secrets else {}),
        "content-type": "application/json",
        "host": target.host_header,
        "user-agent": "redress-adr-gateway/1.0 (beckn PULSE)",
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(target.url, content=body, headers=headers, extensions=extensions)
    except httpx.TimeoutException:
        return DeliveryResult(Outcome.RETRY, None, f"PULSE '{action}' timed out")
    except httpx.HTTPError as error:
        return DeliveryResult(Outcome.RETRY, None, f"connection failed: {type(error).__name__}")
    result = classify_status(response.status_code, response.headers.get("retry-after"))
    if result.outcome != Outcome.DELIVERED:
        return DeliveryResult(
            result.outcome, result.status_code, f"PULSE '{action}': {result.error}"
        )
    try:
        answer = orjson.loads(response.content)
        validate("ack", answer)
    except (orjson.JSONDecodeError, InvalidMessage) as error:
        return DeliveryResult(
            Outcome.PERMANENT, response.status_code, f"PULSE '{action}': not an Ack ({error})"
        )
    if answer["message"]["ack"]["status"] != "ACK":
        code = (answer.get("error") or {}).get("code", "")
        return DeliveryResult(
            Outcome.PERMANENT, response.status_code, f"PULSE '{action}' refused (NACK {code})"
        )
    return result
