"""The gateway's event store: referrals, the provider registry, API keys; and the two ways a
use case changes them (read, decide, save, again on fresh state if another writer saved
first)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import JSONTranscoder

from libs.domain.provider import REGISTRY_ID, Provider, ProviderRegistry
from libs.domain.referral import Referral, referral_id_for
from libs.platform.eventstore.application import GroupCommitApplication
from libs.platform.eventstore.concurrency import retry_on_conflict
from services.adr_gateway.snapshots import ProviderAsStored

REFERRAL_TOPIC_PREFIX = f"{Referral.__module__}:Referral."
T = TypeVar("T")


class ReferralNotFound(LookupError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"no referral with id '{reference}'")
        self.reference = reference


class ProviderNotFound(LookupError):
    def __init__(self, provider_id: str) -> None:
        super().__init__(f"no provider with id '{provider_id}'")
        self.provider_id = provider_id


class KeptChanging(Exception):
    """Other writers saved the aggregate first, every time we tried: the caller may retry."""


class GatewayApplication(GroupCommitApplication):
    name = "AdrGateway"
    follows_upstreams = True  # the complaints feed (ReferredToAdr)
    snapshotting_intervals: ClassVar[dict[type, int]] = {ProviderRegistry: 50, Referral: 50}

    def __init__(self, env: dict[str, str] | None = None) -> None:
        # The registry is one aggregate that every provider change saves. Changes made in
        # this process wait their turn here instead of conflicting in the store and being
        # retried: a burst of registrations (a set-up script, a bench) would otherwise use
        # up the retries and answer 409. Other processes still conflict, and are retried.
        self._registry_turns = threading.Lock()
        super().__init__(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(ProviderAsStored())

    # -- reading ----------------------------------------------------------------------------

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

    def provider(self, provider_id: str) -> Provider:
        provider = self.registry().providers.get(provider_id)
        if provider is None:
            raise ProviderNotFound(provider_id)
        return provider

    # -- changing ---------------------------------------------------------------------------

    def change_registry(self, change: Callable[[ProviderRegistry], None]) -> ProviderRegistry:
        """Applies `change` to the registry as stored and saves it (see `_registry_turns`)."""

        def attempt() -> ProviderRegistry:
            registry = self.registry()
            change(registry)
            self.save(registry)
            return registry

        with self._registry_turns:
            return retry_on_conflict(
                attempt, gave_up=lambda: KeptChanging("the registry kept changing; retry")
            )

    def change_referral(
        self, reference: str | UUID, change: Callable[[Referral], T]
    ) -> tuple[Referral, T]:
        """Applies `change` to the referral as stored and saves what it decided. A provider's
        webhook and the delivery worker may change one referral at the same moment: the one
        that saves second decides again on what the first recorded."""

        def attempt() -> tuple[Referral, T]:
            referral = self.referral(reference)
            decided = change(referral)
            if referral.pending_events:  # a change may decide there is nothing to record
                self.save(referral)
            return referral, decided

        return retry_on_conflict(
            attempt, gave_up=lambda: KeptChanging("the referral kept changing; retry")
        )
