"""What every adapter implements, and how HTTP answers map to delivery outcomes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import entry_points
from typing import Any, Protocol

from libs.platform.runtime.smtp import SmtpRelay

GROUP = "redress.adr_adapters"


class Outcome(StrEnum):
    DELIVERED = "delivered"  # the provider has the case
    RETRY = "retry"  # try again later (timeouts, 5xx, 408, 429, connection errors)
    PERMANENT = "permanent"  # trying again cannot help (4xx, refused settings)
    GONE = "gone"  # 410: the provider asked us to stop sending


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    status_code: int | None = None
    error: str = ""
    retry_after: float | None = None


@dataclass(frozen=True)
class Delivery:
    """One attempt to hand over a case."""

    referral_id: str
    reference: str
    complaint_id: str
    webhook_id: str  # stable per referral: the receiver's de-duplication key
    provider: dict[str, Any]  # the registry entry, with its adapter settings and secret
    bundle: bytes  # the case bundle as JSON, exactly as built (its manifest_jws included)
    pdf: Callable[[], bytes]  # the bundle as a PDF, as built (its digest is in the manifest)
    attempt: int
    occurred_at: str  # when the referral was prepared (stable across attempts)
    timeout: float = 15.0
    development: bool = False
    smtp: dict[str, Any] = field(default_factory=dict)  # host, port, sender
    #: The SMTP relay with its TLS and AUTH settings (None: plain SMTP to `smtp`'s host).
    relay: SmtpRelay | None = None
    correlation_id: str = ""  # the CRM request behind the referral, for the provider's logs
    #: The bundle manifest signed with the deployment key (compact JWS), also inside `bundle`
    #: as `manifest_jws`; empty for bundles built before manifests were signed.
    manifest_jws: str = ""
    #: The secrets to sign with (services.adr_gateway.webhook_secrets): the provider's
    #: current one, and during the overlap after a rotation the one it replaced.
    signing_secrets: tuple[str, ...] = ()
    #: The gateway's own base URL as providers reach it, and its name, for adapters whose
    #: providers answer by calling back (the `pulse` adapter's BAP id and `bap_uri`).
    callback_base_url: str = ""
    callback_id: str = ""


class InvalidSettings(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


class Adapter(Protocol):
    name: str

    def check_settings(self, settings: dict[str, Any], *, development: bool) -> dict[str, Any]:
        """The settings as they will be stored; raises InvalidSettings."""
        ...

    def deliver(self, delivery: Delivery) -> DeliveryResult: ...


def classify_status(status_code: int, retry_after: str | None = None) -> DeliveryResult:
    """Standard Webhooks: only 2xx is success; 410 means stop; 408 and 429 (and 5xx) are
    worth retrying, honouring Retry-After; any other 4xx will not get better."""
    delay = _seconds(retry_after)
    if 200 <= status_code < 300:
        return DeliveryResult(Outcome.DELIVERED, status_code)
    if status_code == 410:
        return DeliveryResult(Outcome.GONE, status_code, "the provider answered 410 Gone")
    if status_code in (408, 429) or status_code >= 500:
        return DeliveryResult(Outcome.RETRY, status_code, f"HTTP {status_code}", delay)
    if 400 <= status_code < 500:
        return DeliveryResult(Outcome.PERMANENT, status_code, f"HTTP {status_code}")
    # 1xx/3xx: redirects are not followed (they could point anywhere).
    return DeliveryResult(Outcome.RETRY, status_code, f"HTTP {status_code} (not followed)")


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def load_adapters() -> dict[str, Adapter]:
    """Every installed adapter, by name."""
    adapters: dict[str, Adapter] = {}
    for entry in entry_points(group=GROUP):
        adapter = entry.load()()
        adapters[entry.name] = adapter
    return adapters
