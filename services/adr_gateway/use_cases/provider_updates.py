"""Recording what a provider tells us about one of its referrals (its webhook, once verified:
see `services.adr_gateway.inbound`).

Each update is recorded once: the referral remembers the `webhook-id`s it recorded, with
the digest of each body, in the same event as the update, so a provider retrying a webhook
we answered changes nothing, and a webhook-id used again for another body is refused (409).
Only the provider the referral was given to may report on it (`NotYourReferral`), and only
in the order the referral's lifecycle allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from libs.domain.referral import Referral
from libs.domain.referral_lifecycle import ProviderEventType
from services.adr_gateway.application import GatewayApplication


@dataclass(frozen=True)
class RecordProviderUpdate:
    provider_id: str
    referral_id: str  # the complaint's referral id, or the gateway's own
    event_type: ProviderEventType
    data: Mapping[str, Any]
    webhook_id: str
    occurred_at: datetime
    #: The SHA-256 (hex) of the webhook's body as received: the same webhook-id with
    #: another body is refused (`WebhookIdReused`), not taken for a retry.
    body_sha256: str | None = None


class UpdateOutcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # this webhook-id was recorded before


def record_provider_update(
    command: RecordProviderUpdate, *, application: GatewayApplication
) -> UpdateOutcome:
    def report(referral: Referral) -> bool:
        return referral.report(
            provider_id=command.provider_id,
            event_type=command.event_type,
            data=dict(command.data),
            webhook_id=command.webhook_id,
            occurred_at=command.occurred_at,
            body_sha256=command.body_sha256,
        )

    _, recorded = application.change_referral(command.referral_id, report)
    return UpdateOutcome.RECORDED if recorded else UpdateOutcome.DUPLICATE
