"""Registering and changing providers as the use cases do it, without HTTP: the id made from
the name, the webhook secret made (and shown once) when none is given, adapter settings
checked by their adapter, required fields never removed, secrets recorded only sealed (and
those recorded in clear before sealed at start-up); and the registry's snapshot reads back as
the registry its events make."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from libs.domain.provider import REGISTRY_ID, Fee, Provider, ProviderRegistry, RequiredFieldRemoved
from libs.platform.runtime.cipher import Cipher, is_sealed
from services.adr_gateway.adapters import InvalidSettings
from services.adr_gateway.application import GatewayApplication, ProviderNotFound
from services.adr_gateway.use_cases.providers import (
    RESEALED_BY,
    AdapterSettingsCheck,
    ChangeProvider,
    RegisterProvider,
    UnknownAdapter,
    change_provider,
    provider_id_for,
    register_provider,
    reseal_secrets,
)
from services.adr_gateway.webhook_secrets import (
    new_webhook_secret,
    secret_of,
    valid_webhook_secret,
)


class UrlAdapter:
    name = "url"

    def check_settings(self, settings: dict[str, Any], *, development: bool) -> dict[str, Any]:
        if not str(settings.get("url", "")).startswith("https://"):
            raise InvalidSettings("adapter_settings.url", "an https URL is required")
        return {"url": settings["url"]}

    def deliver(self, delivery: Any) -> Any:
        raise NotImplementedError


def no_records() -> dict[str, Any]:
    return {}


CIPHER = Cipher([bytes(range(32))])
CHECK = AdapterSettingsCheck({"url": UrlAdapter()}, development=False)  # type: ignore[dict-item]


@pytest.fixture
def application() -> Iterator[GatewayApplication]:
    application = GatewayApplication(env={"IS_SNAPSHOTTING_ENABLED": "y"})
    try:
        yield application
    finally:
        application.close()


def register(application: GatewayApplication, **fields: Any) -> Any:
    command = RegisterProvider(
        **{
            "name": "Calm Mediation Ltd",
            "methods": ("mediation",),
            "adapter": "url",
            "adapter_settings": {"url": "https://calm.example/cases"},
            "registered_by": "admin:ops",
            **fields,
        }
    )
    return register_provider(
        command, application=application, check_settings=CHECK, records=no_records, cipher=CIPHER
    )


@pytest.mark.parametrize(
    ("name", "provider_id"),
    [
        ("Calm Mediation Ltd", "calm-mediation-ltd"),
        ("  The Ombudsman (UK) -- Ltd.  ", "the-ombudsman-uk-ltd"),
        ("Médiation Équitable", "médiation-équitable"),
        ("!!!", "provider"),
        ("x" * 70, "x" * 63),
        ("a" * 62 + " b", "a" * 62),
    ],
)
def test_a_provider_id_is_made_from_its_name(name: str, provider_id: str) -> None:
    assert provider_id_for(name) == provider_id


def test_a_registration_without_a_secret_gets_one_shown_once(
    application: GatewayApplication,
) -> None:
    registered = register(application)

    assert registered.provider.id == "calm-mediation-ltd"
    assert registered.generated_secret is not None
    assert valid_webhook_secret(registered.generated_secret)
    # Recorded sealed; it opens to the secret shown.
    assert registered.provider.webhook_secret != registered.generated_secret
    assert secret_of(registered.provider.webhook_secret, CIPHER) == registered.generated_secret
    # Read again, the provider has its secret, and nothing says it may be shown.
    assert application.provider("calm-mediation-ltd").has_webhook_secret


def test_a_registration_keeps_the_id_and_secret_it_is_given(
    application: GatewayApplication,
) -> None:
    secret = new_webhook_secret()
    registered = register(application, provider_id="calm", webhook_secret=secret)

    assert (registered.provider.id, registered.generated_secret) == ("calm", None)
    assert secret_of(registered.provider.webhook_secret, CIPHER) == secret


def test_adapter_settings_are_checked_by_their_adapter(application: GatewayApplication) -> None:
    with pytest.raises(UnknownAdapter, match=r"unknown adapter 'fax' \(installed: url\)"):
        register(application, adapter="fax")
    with pytest.raises(InvalidSettings):
        register(application, adapter_settings={"url": "http://calm.example"})
    assert application.registry().providers == {}


def test_a_change_may_not_remove_what_every_provider_needs(
    application: GatewayApplication,
) -> None:
    register(application, provider_id="calm")
    with pytest.raises(RequiredFieldRemoved) as refused:
        change_provider(
            ChangeProvider("calm", {"webhook_secret": None}, changed_by="admin:ops"),
            application=application,
            check_settings=CHECK,
            records=no_records,
            cipher=CIPHER,
        )
    assert refused.value.field == "webhook_secret"
    with pytest.raises(ProviderNotFound):
        change_provider(
            ChangeProvider("nobody", {"active": False}, changed_by="admin:ops"),
            application=application,
            check_settings=CHECK,
            records=no_records,
            cipher=CIPHER,
        )


def test_a_change_is_applied_to_the_provider(application: GatewayApplication) -> None:
    register(application, provider_id="calm")
    changed = change_provider(
        ChangeProvider(
            "calm",
            {"active": False, "fee": {"amount": "75.00", "currency": "GBP"}, "categories": None},
            changed_by="admin:ops",
        ),
        application=application,
        check_settings=CHECK,
        records=no_records,
        cipher=CIPHER,
    )
    provider = changed.provider
    assert (provider.active, provider.fee, provider.categories) == (
        False,
        Fee(Decimal("75.00"), "GBP"),
        None,
    )
    assert provider.updated_at is not None and provider.registered_at is not None
    assert provider.updated_at > provider.registered_at


def test_the_registry_from_its_snapshot_is_the_one_its_events_make(
    application: GatewayApplication,
) -> None:
    register(application, provider_id="calm", fee=Fee(Decimal("12.50"), "GBP"))
    registry = application.registry()
    application.take_snapshot(registry.id)
    (snapshot,) = list(application.snapshots.get(registry.id, desc=True, limit=1))
    stored = application.mapper.to_stored_event(snapshot)
    from_snapshot = application.mapper.to_domain_event(stored).mutate(None)

    assert vars(from_snapshot) == vars(registry)
    assert isinstance(from_snapshot.providers["calm"], Provider)


def test_a_provider_reads_the_same_from_its_stored_form() -> None:
    stored = {
        "id": "calm",
        "name": "Calm",
        "methods": ["mediation"],
        "categories": None,
        "jurisdictions": ["GB"],
        "languages": ["en"],
        "fee": {"amount": "50", "currency": "GBP"},
        "adapter": "url",
        "adapter_settings": {"url": "https://calm.example/cases"},
        "webhook_secret": None,
        "active": True,
        "registered_at": None,
        "updated_at": None,
    }
    assert Provider.from_stored(stored).stored() == stored


def test_a_new_secret_given_in_a_change_is_recorded_sealed(
    application: GatewayApplication,
) -> None:
    register(application, provider_id="calm")
    secret = new_webhook_secret()
    changed = change_provider(
        ChangeProvider("calm", {"webhook_secret": secret}, changed_by="admin:ops"),
        application=application,
        check_settings=CHECK,
        records=no_records,
        cipher=CIPHER,
    )
    assert changed.provider.webhook_secret is not None
    assert is_sealed(changed.provider.webhook_secret)
    assert secret_of(changed.provider.webhook_secret, CIPHER) == secret


def test_secrets_recorded_in_clear_before_are_sealed_at_start_up_not_rotated(
    application: GatewayApplication,
) -> None:
    # As versions before sealing recorded it: the secret itself in the event.
    secret = new_webhook_secret()
    profile = {"name": "Old", "methods": ["mediation"], "adapter": "url", "active": True}
    application.change_registry(
        lambda r: r.register("old", {**profile, "webhook_secret": secret}, registered_by="a")
    )

    assert reseal_secrets(application=application, cipher=CIPHER) == 1

    stored = application.provider("old").webhook_secret
    assert stored is not None and is_sealed(stored)
    assert secret_of(stored, CIPHER) == secret  # the same secret: providers notice nothing
    last = list(application.events.get(REGISTRY_ID))[-1]
    assert isinstance(last, ProviderRegistry.ProviderChanged)
    # Both secret fields named (no previous one here): a reseal, not a rotation.
    assert (last.changed_by, last.changes["previous_webhook_secret"]) == (RESEALED_BY, None)
    assert sorted(last.changes) == ["previous_webhook_secret", "webhook_secret"]
    assert application.provider("old").webhook_secret_rotated_at is None
    # Sealed under the sealing key: nothing more to do at the next start.
    assert reseal_secrets(application=application, cipher=CIPHER) == 0

    # A new sealing key: what the old one sealed is sealed again under it.
    rotated = Cipher([bytes(range(1, 33)), bytes(range(32))])
    assert reseal_secrets(application=application, cipher=rotated) == 1
    assert secret_of(application.provider("old").webhook_secret, Cipher([bytes(range(1, 33))]))


def test_a_rotated_secret_sealed_again_keeps_its_overlap_and_both_secrets(
    application: GatewayApplication,
) -> None:
    first = register(application, provider_id="calm")
    old_secret = secret_of(first.provider.webhook_secret, CIPHER)
    new_secret = new_webhook_secret()
    rotated = change_provider(
        ChangeProvider("calm", {"webhook_secret": new_secret}, changed_by="admin:ops"),
        application=application,
        check_settings=CHECK,
        records=no_records,
        cipher=CIPHER,
    ).provider
    assert rotated.previous_webhook_secret is not None
    assert is_sealed(rotated.previous_webhook_secret)

    new_key = bytes(range(1, 33))
    assert reseal_secrets(application=application, cipher=Cipher([new_key, bytes(range(32))])) == 1

    resealed = application.provider("calm")
    only_new_key = Cipher([new_key])
    assert secret_of(resealed.webhook_secret, only_new_key) == new_secret
    assert secret_of(resealed.previous_webhook_secret, only_new_key) == old_secret
    # Sealing again is not a rotation: the overlap still runs from the real rotation.
    assert resealed.webhook_secret_rotated_at == rotated.webhook_secret_rotated_at
