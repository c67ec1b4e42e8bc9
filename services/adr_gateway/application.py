"""The gateway's event store: referrals, the provider registry, API keys."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from libs.domain.provider import REGISTRY_ID, ProviderRegistry
from libs.domain.referral import Referral, referral_id_for
from libs.platform.eventstore.application import GroupCommitApplication

REFERRAL_TOPIC_PREFIX = f"{Referral.__module__}:Referral."


class ReferralNotFound(LookupError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"no referral with id '{reference}'")
        self.reference = reference


class GatewayApplication(GroupCommitApplication):
    name = "AdrGateway"
    follows_upstreams = True  # the complaints feed (ReferredToAdr)
    snapshotting_intervals: ClassVar[dict[type, int]] = {ProviderRegistry: 50, Referral: 50}

    def referral(self, reference: str | UUID) -> Referral:
        """By the complaint's referral id, or by the gateway's own id."""
        identity = reference if isinstance(reference, UUID) else referral_id_for(reference)
        try:
            aggregate = self.repository.get(identity)
        except AggregateNotFoundError:
            raise ReferralNotFound(str(reference)) from None
        if not isinstance(aggregate, Referral):
            raise ReferralNotFound(str(reference))
        return aggregate

    def registry(self) -> ProviderRegistry:
        try:
            aggregate = self.repository.get(REGISTRY_ID)
        except AggregateNotFoundError:
            return ProviderRegistry.start()
        assert isinstance(aggregate, ProviderRegistry)
        return aggregate
