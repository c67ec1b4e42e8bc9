"""The ADR providers a firm works with: the registry, and what it knows of each provider.

The registry is one aggregate: providers are few, are changed rarely, by administrators, and
are read together whenever a case is matched. Each provider is a `Provider` value; its
events record the profile as it was sent (the stored form, `Provider.stored()`), so events
stored before providers had a type of their own read the same. How a provider is chosen for
a case is `libs.domain.provider_ranking`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from libs.domain.errors import InvalidArgument, RuleViolated, UnknownEntity

REGISTRY_ID = UUID("1f0c5b7e-8a2d-4c3e-b6f1-9d4e2a7c0b13")
MUTABLE_FIELDS = frozenset(
    {
        "name",
        "methods",
        "categories",
        "jurisdictions",
        "languages",
        "fee",
        "adapter",
        "adapter_settings",
        "webhook_secret",
        "active",
    }
)
#: What a registration may say besides: the legal entity the provider serves (fixed for good).
REGISTRATION_FIELDS = MUTABLE_FIELDS | {"legal_entity"}
#: Set only when secrets are sealed again under a new cipher key (never by the API).
RESEALED_FIELDS = frozenset({"previous_webhook_secret"})
#: What every provider must have: a change may set them, never remove them.
REQUIRED_FIELDS = ("name", "methods", "adapter", "webhook_secret", "active")


class Method(StrEnum):
    MEDIATION = "mediation"
    ARBITRATION = "arbitration"
    CONCILIATION = "conciliation"
    OMBUDSMAN = "ombudsman"


class RequiredFieldRemoved(InvalidArgument):
    """A change would remove what every provider must have."""

    def __init__(self, field_name: str) -> None:
        super().__init__(field_name, "cannot be null")


def refuse_removing_required(changes: Mapping[str, Any]) -> None:
    for name in REQUIRED_FIELDS:
        if name in changes and changes[name] is None:
            raise RequiredFieldRemoved(name)


@dataclass(frozen=True)
class Fee:
    """What the provider charges the firm for a case."""

    amount: Decimal
    currency: str

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Fee:
        return cls(Decimal(str(data.get("amount", "0"))), str(data.get("currency", "")))

    def stored(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency}


def _codes(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


@dataclass(frozen=True)
class Provider:
    """One provider as the registry knows it.

    An empty list of categories, jurisdictions or languages (or none at all: a change may
    clear one with null) means the provider takes any. `adapter_settings` are the adapter's
    own, checked by it when they were set; treat them as read-only.
    """

    id: str
    name: str = ""
    methods: tuple[str, ...] = ()
    categories: tuple[str, ...] | None = ()
    jurisdictions: tuple[str, ...] | None = ()
    languages: tuple[str, ...] | None = ()
    fee: Fee | None = None
    adapter: str = ""
    adapter_settings: dict[str, Any] = field(default_factory=dict)
    #: As stored: sealed (`sealed:v1:…`, opened only by the gateway's `secret_of`); in clear
    #: only in events recorded before secrets were sealed, until the gateway seals them.
    webhook_secret: str | None = None
    active: bool = True
    #: The legal entity whose referrals it takes; None: every entity's (group-wide).
    legal_entity: str | None = None
    registered_at: datetime | None = None
    updated_at: datetime | None = None
    #: The secret the last rotation replaced, and when it was replaced: webhooks signed
    #: with it are still accepted for an overlap after (services.adr_gateway.webhook_secrets).
    previous_webhook_secret: str | None = None
    webhook_secret_rotated_at: datetime | None = None

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Provider:
        """From the stored form: a registration's profile with its id and times, as events
        and (before providers had a type) snapshots hold it."""
        fee = data.get("fee")
        return cls(
            id=str(data["id"]),
            name=str(data.get("name", "")),
            methods=tuple(data.get("methods") or ()),
            categories=_codes(data.get("categories", ())),
            jurisdictions=_codes(data.get("jurisdictions", ())),
            languages=_codes(data.get("languages", ())),
            fee=Fee.from_stored(fee) if fee else None,
            adapter=str(data.get("adapter", "")),
            adapter_settings=dict(data.get("adapter_settings") or {}),
            webhook_secret=data.get("webhook_secret"),
            active=bool(data.get("active", True)),
            legal_entity=data.get("legal_entity"),
            registered_at=data.get("registered_at"),
            updated_at=data.get("updated_at"),
            previous_webhook_secret=data.get("previous_webhook_secret"),
            webhook_secret_rotated_at=data.get("webhook_secret_rotated_at"),
        )

    def stored(self) -> dict[str, Any]:
        """The stored form (JSON types, and times), in the order a registration sends it. A
        group-wide provider's says no entity, as every provider's did before there were any;
        the rotation's fields appear only once the secret has been rotated."""
        rotation = (
            {}
            if self.webhook_secret_rotated_at is None
            else {
                "previous_webhook_secret": self.previous_webhook_secret,
                "webhook_secret_rotated_at": self.webhook_secret_rotated_at,
            }
        )
        stored = {
            "name": self.name,
            "methods": list(self.methods),
            "categories": None if self.categories is None else list(self.categories),
            "jurisdictions": None if self.jurisdictions is None else list(self.jurisdictions),
            "languages": None if self.languages is None else list(self.languages),
            "fee": None if self.fee is None else self.fee.stored(),
            "adapter": self.adapter,
            "adapter_settings": dict(self.adapter_settings),
            "webhook_secret": self.webhook_secret,
            "active": self.active,
            "id": self.id,
            "registered_at": self.registered_at,
            "updated_at": self.updated_at,
            **rotation,
        }
        if self.legal_entity is not None:
            stored["legal_entity"] = self.legal_entity
        return stored

    def changed(self, changes: Mapping[str, Any], at: datetime) -> Provider:
        """This provider with `changes` (fields in their stored form) made at `at`. A new
        webhook secret keeps the one it replaces as the previous secret (a rotation), unless
        the change says what the previous secret is: the same secrets sealed again under a
        new cipher key are not a rotation, and must not start an overlap."""
        rotation: dict[str, Any] = {}
        new_secret = changes.get("webhook_secret")
        resealed = "previous_webhook_secret" in changes
        if new_secret is not None and new_secret != self.webhook_secret and not resealed:
            rotation = {
                "previous_webhook_secret": self.webhook_secret,
                "webhook_secret_rotated_at": at,
            }
        return Provider.from_stored({**self.stored(), **changes, **rotation, "updated_at": at})

    @property
    def has_webhook_secret(self) -> bool:
        return bool(self.webhook_secret)

    def serves(self, legal_entity: str | None) -> bool:
        """Whether it takes referrals of `legal_entity` (None: an entity not known yet, which
        only a group-wide provider may be given)."""
        return self.legal_entity is None or self.legal_entity == legal_entity


class ProviderRegistry(Aggregate):
    # Version 2: providers are `Provider` values, not dicts; snapshots taken before are
    # upcast so the registry reads the same from a snapshot or from its events.
    # Version 3: a provider may serve one legal entity; those of a snapshot taken before
    # serve every entity (group-wide), as every provider did.
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["providers"] = {
            provider_id: Provider.from_stored(provider)
            for provider_id, provider in state.get("providers", {}).items()
        }

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["providers"] = {
            provider_id: replace(provider, legal_entity=None)
            for provider_id, provider in state.get("providers", {}).items()
        }

    class Started(Aggregate.Created):
        pass

    def __init__(self) -> None:
        self.providers: dict[str, Provider] = {}

    @classmethod
    def start(cls) -> ProviderRegistry:
        return cls._create(cls.Started, id=REGISTRY_ID)

    class ProviderRegistered(Aggregate.Event):
        provider_id: str
        profile: dict[str, Any]
        registered_by: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ProviderRegistry)
            aggregate.providers[self.provider_id] = Provider.from_stored(
                {
                    **self.profile,
                    "id": self.provider_id,
                    "registered_at": self.timestamp,
                    "updated_at": self.timestamp,
                }
            )

    class ProviderChanged(Aggregate.Event):
        provider_id: str
        changes: dict[str, Any]
        changed_by: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ProviderRegistry)
            provider = aggregate.providers[self.provider_id]
            aggregate.providers[self.provider_id] = provider.changed(self.changes, self.timestamp)

    def provider(self, provider_id: str) -> Provider:
        try:
            return self.providers[provider_id]
        except KeyError:
            raise UnknownEntity("provider", provider_id) from None

    def register(self, provider_id: str, profile: Mapping[str, Any], *, registered_by: str) -> None:
        """Records a new provider; `profile` holds its fields in their stored form."""
        if provider_id in self.providers:
            raise RuleViolated(f"a provider with id '{provider_id}' is already registered")
        unknown = set(profile) - REGISTRATION_FIELDS
        if unknown:
            raise InvalidArgument(sorted(unknown)[0], "not a field of a provider")
        self.trigger_event(
            self.ProviderRegistered,
            provider_id=provider_id,
            profile=dict(profile),
            registered_by=registered_by,
        )

    def change(self, provider_id: str, changes: Mapping[str, Any], *, changed_by: str) -> None:
        """Changes some of a provider's fields (in their stored form)."""
        self.provider(provider_id)
        unknown = set(changes) - MUTABLE_FIELDS - RESEALED_FIELDS
        if unknown:
            raise InvalidArgument(sorted(unknown)[0], "not a field of a provider")
        refuse_removing_required(changes)
        if changes:
            self.trigger_event(
                self.ProviderChanged,
                provider_id=provider_id,
                changes=dict(changes),
                changed_by=changed_by,
            )
