"""The `pulse` adapter: a referral handed over as a beckn PULSE (DRoP) order.

Delivery is the referral part of the PULSE flow: `select` (the provider's ODR service
chosen), `init` (the order drafted, with the case's identifiers) and `confirm` (the order
placed, carrying the case bundle, its PDF and its signed manifest as documents), one after
the other, each acknowledged by the BPP. Their answers (`on_select`, `on_init`,
`on_confirm`) and everything after (`on_status`, `on_update`, `on_cancel`) come back to the
gateway's `/v1/pulse/providers/{provider_id}/{action}` (see `services.adr_gateway.api.pulse`).

The transaction is the referral: `transaction_id` is the referral's id, and each step's
`message_id` is derived from it, so a retried delivery repeats the same messages.
"""

from __future__ import annotations

from typing import Any

from services.adr_gateway.adapters.base import (
    Delivery,
    DeliveryResult,
    InvalidSettings,
    Outcome,
)
from services.adr_gateway.adapters.pulse.client import send
from services.adr_gateway.adapters.pulse.mapping import CASE_TAGS, data_url, tag_group
from services.adr_gateway.adapters.pulse.messages import Parties, call, message_id
from services.adr_gateway.ssrf import UnsafeUrl, check_url_shape

SETTINGS = ("bpp_id", "bpp_uri", "provider", "item")


def callback_uri(base_url: str, provider_id: str) -> str:
    """The `bap_uri` a provider's BPP calls back: `{bap_uri}/on_status` and so on."""
    return f"{base_url.rstrip('/')}/v1/pulse/providers/{provider_id}"


def parties(delivery: Delivery) -> Parties:
    settings = delivery.provider["adapter_settings"]
    return Parties(
        bap_id=delivery.callback_id or "redress-adr-gateway",
        bap_uri=callback_uri(delivery.callback_base_url, str(delivery.provider["id"])),
        bpp_id=settings["bpp_id"],
        bpp_uri=settings["bpp_uri"],
    )


def order(delivery: Delivery, step: str) -> dict[str, Any]:
    settings = delivery.provider["adapter_settings"]
    found: dict[str, Any] = {
        "provider": {"id": settings["provider"]},
        "items": [{"id": settings["item"]}],
    }
    if step in ("init", "confirm"):
        found["tags"] = [
            tag_group(
                CASE_TAGS,
                {
                    "referral": delivery.reference,
                    "complaint": delivery.complaint_id,
                    **({"correlation": delivery.correlation_id} if delivery.correlation_id else {}),
                },
            )
        ]
    if step == "confirm":
        docs = [
            {
                "descriptor": {"code": "case-document", "name": "case-bundle.json"},
                "mime_type": "application/json",
                "url": data_url(delivery.bundle, "application/json"),
            },
            {
                "descriptor": {"code": "case-document", "name": "case-bundle.pdf"},
                "mime_type": "application/pdf",
                "url": data_url(delivery.pdf(), "application/pdf"),
            },
        ]
        if delivery.manifest_jws:
            docs.append(
                {
                    "descriptor": {"code": "case-document", "name": "case-bundle.manifest.jws"},
                    "mime_type": "application/jose",
                    "url": data_url(delivery.manifest_jws.encode("ascii"), "application/jose"),
                }
            )
        found["docs"] = docs
    return found


def transaction_of(delivery: Delivery) -> str:
    return delivery.reference


class PulseAdapter:
    name = "pulse"

    def check_settings(self, settings: dict[str, Any], *, development: bool) -> dict[str, Any]:
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise InvalidSettings(f"adapter_settings.{sorted(unknown)[0]}", "unknown setting")
        for name in SETTINGS:
            value = settings.get(name)
            if not isinstance(value, str) or not value.strip() or len(value) > 500:
                raise InvalidSettings(
                    f"adapter_settings.{name}",
                    f"'{name}' is required (the BPP's id and URL, and the provider and "
                    "service ids from its catalogue, as `POST /v1/pulse/search` lists them)",
                )
        try:
            check_url_shape(settings["bpp_uri"], allow_loopback_http=development)
        except UnsafeUrl as error:
            raise InvalidSettings("adapter_settings.bpp_uri", str(error)) from None
        return {name: settings[name] for name in SETTINGS}

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        transaction = transaction_of(delivery)
        secrets = delivery.signing_secrets or (str(delivery.provider.get("webhook_secret", "")),)
        result = DeliveryResult(Outcome.PERMANENT, None, "nothing sent")
        for step in ("select", "init", "confirm"):
            document = call(
                step,
                {"order": order(delivery, step)},
                transaction_id=transaction,
                parties=parties(delivery),
                message_id=message_id(transaction, step),
            )
            result = send(
                document,
                secrets=tuple(s for s in secrets if s),
                timeout=delivery.timeout,
                development=delivery.development,
            )
            if result.outcome != Outcome.DELIVERED:
                return result
        return result
