"""What the gateway does with PULSE calls from a provider's BPP, and the calls it starts
itself after delivery (discovery, `status`, `cancel`).

A callback (`on_*`) is accepted only from the registered provider it is addressed for:
its Standard Webhooks signature verifies with that provider's webhook secret (beckn's own
ed25519 signing is not implemented: docs/adr-pulse.md), it is a valid message for its
action, its `bpp_id` is the provider's and its `bap_id` ours, and its `webhook-id` is its
`message_id`. Then it becomes the same `RecordProviderUpdate` the webhook path records, with
the `message_id` as webhook id (a repeated callback is a duplicate) and the referral as the
transaction. A callback that would not change the referral's status (an `on_status` polled
twice) is acknowledged and records nothing.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from libs.domain.provider import Provider
from libs.domain.referral_lifecycle import STATUS_AFTER
from libs.platform.http.problems import Problem
from libs.platform.runtime.cipher import CannotUnseal, Cipher
from services.adr_gateway.adapters.base import Outcome
from services.adr_gateway.adapters.pulse.adapter import callback_uri
from services.adr_gateway.adapters.pulse.client import send
from services.adr_gateway.adapters.pulse.mapping import occurred_at as occurred_at_of
from services.adr_gateway.adapters.pulse.mapping import update_from
from services.adr_gateway.adapters.pulse.messages import (
    CALLBACKS,
    InvalidMessage,
    Parties,
    call,
    validate,
)
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.inbound import _check_award_currency, verify
from services.adr_gateway.ssrf import UnsafeUrl, check_url_shape
from services.adr_gateway.use_cases.provider_updates import (
    RecordProviderUpdate,
    UpdateOutcome,
    record_provider_update,
)
from services.adr_gateway.webhook_secrets import webhook_secrets


def parse(action: str, body: bytes) -> dict[str, Any]:
    """The body as a valid `action` call, or a 400/422 problem naming what is wrong."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Problem(400, "malformed-json", "Malformed JSON", "the body is not JSON") from None
    try:
        validate(action, document)
    except InvalidMessage as error:
        raise Problem(
            422, "invalid-pulse-message", "Invalid PULSE message", str(error), errors=error.errors
        ) from None
    assert isinstance(document, dict)
    return document


def _refuse(field_name: str, message: str) -> Problem:
    return Problem(
        422,
        "invalid-pulse-message",
        "Invalid PULSE message",
        message,
        errors=[{"field": field_name, "message": message}],
    )


def _secrets(provider: Provider, cipher: Cipher, overlap: timedelta) -> tuple[str, ...]:
    try:
        return webhook_secrets(provider, now=datetime.now(UTC), overlap=overlap, cipher=cipher)
    except CannotUnseal:
        # As for webhooks (services.adr_gateway.inbound): this process lacks the key that
        # sealed the secret; nothing is sent or recorded, and the caller may retry.
        raise Problem(
            503,
            "unavailable",
            "Service unavailable",
            "the provider's webhook secret cannot be read right now; nothing was done — retry",
            headers={"Retry-After": "60"},
        ) from None


@dataclass(frozen=True)
class CallbackResult:
    action: str
    outcome: str  # recorded | duplicate | nothing to record
    event_type: str | None = None


def receive_callback(
    application: GatewayApplication,
    cipher: Cipher,
    *,
    provider_id: str,
    action: str,
    body: bytes,
    headers: Mapping[str, str],
    bap_id: str,
    secret_overlap: timedelta = timedelta(0),
) -> CallbackResult:
    if action not in CALLBACKS or action == "on_search":
        raise Problem(404, "not-found", "Not found", f"no PULSE callback '{action}' here")
    provider = application.registry().providers.get(provider_id)
    if provider is None or provider.adapter != "pulse":
        raise Problem(404, "not-found", "Not found", f"no PULSE provider '{provider_id}'")
    secrets = _secrets(provider, cipher, secret_overlap)
    verify(secrets, body, headers)
    document = parse(action, body)
    context = document["context"]
    if context["action"] != action:
        raise _refuse("context.action", f"a '{context['action']}' message sent to '{action}'")
    if context.get("bpp_id") != provider.adapter_settings.get("bpp_id"):
        raise Problem(
            403,
            "forbidden",
            "Forbidden",
            f"context.bpp_id is not provider '{provider_id}''s BPP",
        )
    if context["bap_id"] != bap_id:
        raise _refuse("context.bap_id", f"addressed to BAP '{context['bap_id']}', not to us")
    if headers.get("webhook-id") != context["message_id"]:
        raise _refuse("context.message_id", "the webhook-id must be the message_id")
    mapped = update_from(action, document)
    if mapped is None:
        return CallbackResult(action, "nothing to record")
    referral = application.referral(context["transaction_id"])
    after = STATUS_AFTER.get(mapped.event_type)
    seen = referral.has_seen(context["message_id"])  # a retry, or a reused id: recorded below
    if after is not None and referral.status == after.value and not seen:
        return CallbackResult(action, "nothing to record", mapped.event_type.value)
    _check_award_currency(mapped.event_type, mapped.data)
    try:
        at = occurred_at_of(document).astimezone(UTC)
    except (ValueError, OverflowError):
        raise _refuse("context.timestamp", "not a date and time Redress can read") from None
    outcome = record_provider_update(
        RecordProviderUpdate(
            provider_id=provider_id,
            referral_id=context["transaction_id"],
            event_type=mapped.event_type,
            data=mapped.data,
            webhook_id=context["message_id"],
            occurred_at=at,
            body_sha256=hashlib.sha256(body).hexdigest(),
        ),
        application=application,
    )
    return CallbackResult(action, outcome.value, mapped.event_type.value)


# -- discovery ---------------------------------------------------------------------------


@dataclass
class Search:
    transaction_id: str
    catalogs: list[dict[str, Any]] = field(default_factory=list)
    answered: threading.Event = field(default_factory=threading.Event)


@dataclass
class Discovery:
    """Searches waiting for their `on_search`, in this process (a callback reaching another
    worker of a gateway run with `--workers N` is refused: docs/adr-pulse.md)."""

    pending: dict[str, Search] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def search(
        self,
        *,
        bpp_uri: str,
        bpp_id: str | None,
        category: str | None,
        bap_id: str,
        base_url: str,
        wait_seconds: float,
        timeout: float,
        development: bool,
    ) -> dict[str, Any]:
        try:
            check_url_shape(bpp_uri, allow_loopback_http=development)
        except UnsafeUrl as error:
            raise _refuse("bpp_uri", str(error)) from None
        transaction = str(uuid.uuid4())
        intent: dict[str, Any] = (
            {"category": {"descriptor": {"code": category}}} if category else {}
        )
        try:
            document = call(
                "search",
                {"intent": intent},
                transaction_id=transaction,
                parties=Parties(
                    bap_id=bap_id,
                    bap_uri=f"{base_url.rstrip('/')}/v1/pulse/discovery",
                    bpp_id=bpp_id,
                    bpp_uri=bpp_uri,
                ),
            )
        except InvalidMessage as error:
            raise _refuse(error.errors[0]["field"].removeprefix("context."), str(error)) from None
        wanted = Search(transaction)
        with self.lock:
            self.pending[transaction] = wanted
        try:
            result = send(document, secrets=(), timeout=timeout, development=development)
            if result.outcome != Outcome.DELIVERED:
                # The BPP named in the request does not answer as one: the request's to fix.
                raise Problem(
                    422,
                    "bpp-unreachable",
                    "BPP unreachable",
                    f"the BPP did not take the search: {result.error}",
                    errors=[{"field": "bpp_uri", "message": result.error}],
                )
            wanted.answered.wait(wait_seconds)
        finally:
            with self.lock:
                self.pending.pop(transaction, None)
        return {"transaction_id": transaction, "catalogs": list(wanted.catalogs)}

    def on_search(self, body: bytes) -> None:
        document = parse("on_search", body)
        context = document["context"]
        with self.lock:
            wanted = self.pending.get(context["transaction_id"])
        if wanted is None:
            raise Problem(
                404,
                "not-found",
                "Not found",
                f"no search '{context['transaction_id']}' is waiting for an answer",
            )
        catalog = (document.get("message") or {}).get("catalog") or {}
        wanted.catalogs.append(
            {
                "bpp_id": context.get("bpp_id"),
                "bpp_uri": context.get("bpp_uri"),
                "providers": [
                    {
                        "id": p.get("id"),
                        "name": (p.get("descriptor") or {}).get("name"),
                        "services": [
                            {
                                "id": i.get("id"),
                                "code": (i.get("descriptor") or {}).get("code"),
                                "name": (i.get("descriptor") or {}).get("name"),
                            }
                            for i in p.get("items") or ()
                        ],
                    }
                    for p in catalog.get("providers") or ()
                ],
            }
        )
        wanted.answered.set()


# -- following a referral ----------------------------------------------------------------


def follow(
    application: GatewayApplication,
    cipher: Cipher,
    *,
    referral_id: str,
    action: str,
    bap_id: str,
    base_url: str,
    timeout: float,
    development: bool,
    secret_overlap: timedelta = timedelta(0),
) -> dict[str, Any]:
    """Sends `status` (ask for an `on_status`) or `cancel` (withdraw the case) for a
    referral delivered through PULSE; the answer comes back as a callback."""
    referral = application.referral(referral_id)
    provider = (
        application.registry().providers.get(referral.provider_id) if referral.provider_id else None
    )
    if provider is None or provider.adapter != "pulse":
        raise Problem(
            409,
            "not-a-pulse-referral",
            "Not a PULSE referral",
            f"referral '{referral.reference}' was not given to a PULSE provider",
        )
    order_id = next(
        (
            str(u["detail"]["provider_reference"])
            for u in referral.provider_updates
            if u["detail"].get("provider_reference")
        ),
        referral.reference,
    )
    message: dict[str, Any] = {"order_id": order_id}
    if action == "cancel":
        message["descriptor"] = {"short_desc": "withdrawn by the firm"}
    document = call(
        action,
        message,
        transaction_id=referral.reference,
        parties=Parties(
            bap_id=bap_id,
            bap_uri=callback_uri(base_url, provider.id),
            bpp_id=provider.adapter_settings["bpp_id"],
            bpp_uri=provider.adapter_settings["bpp_uri"],
        ),
    )
    secrets = _secrets(provider, cipher, secret_overlap)
    result = send(document, secrets=secrets, timeout=timeout, development=development)
    if result.outcome != Outcome.DELIVERED:
        # RFC 4918 section 11.4: the action depended on another (the BPP's) that failed.
        raise Problem(
            424,
            "provider-unreachable",
            "Provider unreachable",
            f"the provider's platform did not take the '{action}': {result.error}; "
            "nothing changed, try again",
        )
    return {
        "referral_id": referral.reference,
        "action": action,
        "message_id": document["context"]["message_id"],
    }


__all__ = ["CallbackResult", "Discovery", "UpdateOutcome", "follow", "receive_callback"]
