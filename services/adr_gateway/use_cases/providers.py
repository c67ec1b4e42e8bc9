"""Registering and changing the ADR providers the firm works with, and reading them with
their track records (administrators' use cases).

A provider's id is the one the administrator gives, or made from its name (`provider_id_for`).
Its webhook secret is the one given, or one the gateway makes, which is then shown once, in
the answer to the registration, and never again. Secrets are recorded sealed
(`webhook_secrets.sealed_secret`), never in clear; `reseal_secrets` seals, at start-up, those
recorded in clear before, and those sealed with a key that no longer seals. Adapter settings
are checked by the adapter they are for, in the gateway's mode (development allows loopback URLs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from libs.domain.provider import Fee, Provider, ProviderRegistry, refuse_removing_required
from libs.domain.provider_ranking import TrackRecord
from libs.platform.runtime.cipher import Cipher
from services.adr_gateway.adapters import Adapter
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.webhook_secrets import new_webhook_secret, sealed_secret, secret_of

#: The provider fields that hold a secret, always in its sealed form.
SECRET_FIELDS = ("webhook_secret", "previous_webhook_secret")
#: Who re-sealing records as the author of the change (no person: the cipher's key changed).
RESEALED_BY = "redress:cipher"

#: The track records of every provider, by id (read when asked: they change with each case).
TrackRecords = Callable[[], Mapping[str, TrackRecord]]

MAX_ID_LENGTH = 63
FALLBACK_ID = "provider"


@dataclass(frozen=True)
class RegisterProvider:
    name: str
    methods: tuple[str, ...]
    adapter: str
    registered_by: str
    provider_id: str | None = None  # made from the name if absent
    categories: tuple[str, ...] = ()  # () = any
    jurisdictions: tuple[str, ...] = ()  # () = any
    languages: tuple[str, ...] = ("en",)
    fee: Fee | None = None
    adapter_settings: Mapping[str, Any] = field(default_factory=dict)
    webhook_secret: str | None = None  # made by the gateway if absent
    active: bool = True
    legal_entity: str | None = None  # None: serves every legal entity of the group


@dataclass(frozen=True)
class ChangeProvider:
    provider_id: str
    #: Only the fields to change, in their stored form (JSON); null clears an optional one.
    changes: Mapping[str, Any]
    changed_by: str


@dataclass(frozen=True)
class ProviderWithRecord:
    provider: Provider
    track_record: TrackRecord
    #: The webhook secret the gateway made, on the one occasion it is shown.
    generated_secret: str | None = None


class UnknownAdapter(LookupError):
    def __init__(self, adapter: str, installed: list[str]) -> None:
        super().__init__(f"unknown adapter '{adapter}' (installed: {', '.join(installed)})")
        self.adapter = adapter


@dataclass(frozen=True)
class AdapterSettingsCheck:
    """The installed adapters, each checking its own settings in the gateway's mode."""

    adapters: Mapping[str, Adapter]
    development: bool

    def __call__(self, adapter: str, settings: Mapping[str, Any]) -> dict[str, Any]:
        """The settings as they will be stored; raises UnknownAdapter or InvalidSettings."""
        plugin = self.adapters.get(adapter)
        if plugin is None:
            raise UnknownAdapter(adapter, sorted(self.adapters))
        return plugin.check_settings(dict(settings), development=self.development)


def provider_id_for(name: str) -> str:
    """A short stable id from a provider's name: lower case letters and digits, runs of
    anything else as one hyphen, at most 63 characters."""
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return (slug or FALLBACK_ID)[:MAX_ID_LENGTH].rstrip("-") or FALLBACK_ID


def register_provider(
    command: RegisterProvider,
    *,
    application: GatewayApplication,
    check_settings: AdapterSettingsCheck,
    records: TrackRecords,
    cipher: Cipher,
) -> ProviderWithRecord:
    provider_id = command.provider_id or provider_id_for(command.name)
    settings = check_settings(command.adapter, command.adapter_settings)
    secret = new_webhook_secret() if command.webhook_secret is None else command.webhook_secret
    generated = secret if command.webhook_secret is None else None  # shown once, then never
    profile = {
        "name": command.name,
        "methods": list(command.methods),
        "categories": list(command.categories),
        "jurisdictions": list(command.jurisdictions),
        "languages": list(command.languages),
        "fee": None if command.fee is None else command.fee.stored(),
        "adapter": command.adapter,
        "adapter_settings": settings,
        "active": command.active,
        "webhook_secret": sealed_secret(secret, cipher),
    }
    if command.legal_entity is not None:
        profile["legal_entity"] = command.legal_entity
    registry = application.change_registry(
        lambda r: r.register(provider_id, profile, registered_by=command.registered_by)
    )
    return ProviderWithRecord(
        registry.provider(provider_id), _record_of(records, provider_id), generated
    )


def change_provider(
    command: ChangeProvider,
    *,
    application: GatewayApplication,
    check_settings: AdapterSettingsCheck,
    records: TrackRecords,
    cipher: Cipher,
) -> ProviderWithRecord:
    """Changes what the command names (rotates the secret, retires the provider, …); new
    adapter settings, or a new adapter, are checked against the adapter the provider will
    have. A new secret is recorded sealed."""
    current = application.provider(command.provider_id)
    changes = dict(command.changes)
    refuse_removing_required(changes)
    for name in SECRET_FIELDS:
        if changes.get(name) is not None:
            changes[name] = sealed_secret(changes[name], cipher)
    if "adapter" in changes or "adapter_settings" in changes:
        adapter = changes.get("adapter", current.adapter)
        settings = changes.get("adapter_settings", current.adapter_settings)
        changes["adapter_settings"] = check_settings(adapter, settings or {})
    registry = application.change_registry(
        lambda r: r.change(command.provider_id, changes, changed_by=command.changed_by)
    )
    provider = registry.provider(command.provider_id)
    return ProviderWithRecord(provider, _record_of(records, provider.id))


def reseal_secrets(*, application: GatewayApplication, cipher: Cipher) -> int:
    """Seals every provider secret that is in clear (recorded before secrets were sealed) or
    sealed with a key that no longer seals, under the sealing key; returns how many
    providers it changed. Each is a `ProviderChanged` by `RESEALED_BY`: the secret is the
    same, only its sealed form is new (not a rotation: providers notice nothing). Replicas
    starting together agree: the registry is read again on a conflict, and what is already
    sealed under the key is left alone."""
    resealed: list[str] = []

    def reseal(registry: ProviderRegistry) -> None:
        resealed.clear()
        for provider in list(registry.providers.values()):
            changes = _resealed(provider, cipher)
            if changes:
                registry.change(provider.id, changes, changed_by=RESEALED_BY)
                resealed.append(provider.id)

    registry = application.registry()
    if any(_resealed(provider, cipher) for provider in registry.providers.values()):
        application.change_registry(reseal)
    return len(resealed)


def _resealed(provider: Provider, cipher: Cipher) -> dict[str, str]:
    """The provider's secret fields sealed again under the sealing key, if any needs it
    (none: {}). Every secret field is named, the previous secret too (None if there is
    none), so that the change reads as a reseal, not as a rotation."""
    stored = provider.stored()
    secrets = {name: stored.get(name) for name in SECRET_FIELDS}
    if not any(isinstance(v, str) and cipher.needs_resealing(v) for v in secrets.values()):
        return {}
    return {
        name: sealed_secret(secret_of(value, cipher) or "", cipher) if value else None
        for name, value in secrets.items()
    }


def provider_with_record(
    provider_id: str, *, application: GatewayApplication, records: TrackRecords
) -> ProviderWithRecord:
    return ProviderWithRecord(application.provider(provider_id), _record_of(records, provider_id))


def providers_with_records(
    *, application: GatewayApplication, records: TrackRecords
) -> list[ProviderWithRecord]:
    known = records()
    return [
        ProviderWithRecord(provider, known.get(provider.id, TrackRecord()))
        for provider in application.registry().providers.values()
    ]


def _record_of(records: TrackRecords, provider_id: str) -> TrackRecord:
    return records().get(provider_id, TrackRecord())
