"""What links the services under `redress up`, so that a referral makes the whole round trip
on one machine: the `service` keys with which each reads another's feed (kept under
var/service-keys and reused while valid; those issued by the complaints service are limited
to it, and are also what the others introspect keys with), each one's URLs for the others,
and the sandbox provider registered with the ADR gateway."""

from __future__ import annotations

from libs.platform.eventstore.application import event_store_env
from libs.platform.runtime.cipher import cipher_from_env
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.pulse_sandbox.app import CATALOG_PROVIDER, PulseSandboxSettings
from services.adr_gateway.sandbox.app import SandboxSettings
from services.adr_gateway.settings import GatewaySettings
from services.adr_gateway.webhook_secrets import sealed_secret
from services.complaints.application import ComplaintsApplication
from services.devstack.keys import service_key

SANDBOX_ID = "sandbox"
PULSE_SANDBOX_ID = "pulse-sandbox"


def development_links(
    databases: dict[str, str], ports: dict[str, int]
) -> dict[str, dict[str, str]]:
    """Extra environment per service name, given each service's database URL and port."""
    complaints = ComplaintsApplication(env=event_store_env(databases["complaints"], pool_size=2))
    gateway = GatewayApplication(env=event_store_env(databases["adr_gateway"], pool_size=2))
    try:
        gateway_reads_complaints = service_key(complaints, "adr-gateway", service="complaints")
        complaints_reads_gateway = service_key(gateway, "complaints")
        register_sandbox(gateway, f"http://127.0.0.1:{ports['sandbox_provider']}/cases")
        if "pulse_sandbox" in ports:
            register_pulse_sandbox(gateway, f"http://127.0.0.1:{ports['pulse_sandbox']}")
        notifications_reads_complaints = service_key(
            complaints, "notifications-reads-complaints", service="complaints"
        )
        notifications_reads_gateway = service_key(gateway, "notifications-reads-adr-gateway")
    finally:
        complaints.close()
        gateway.close()
    complaints_url = f"http://127.0.0.1:{ports['complaints']}"
    gateway_url = f"http://127.0.0.1:{ports['adr_gateway']}"
    return {
        "complaints": {
            "REDRESS_ADR_GATEWAY_URL": gateway_url,
            "REDRESS_ADR_GATEWAY_API_KEY": complaints_reads_gateway,
        },
        "adr_gateway": {
            "REDRESS_COMPLAINTS_URL": complaints_url,
            "REDRESS_COMPLAINTS_API_KEY": gateway_reads_complaints,
            "REDRESS_DEVELOPMENT": "true",
        },
        "sandbox_provider": {"REDRESS_SANDBOX_GATEWAY_URL": gateway_url},
        "notifications": {
            "REDRESS_COMPLAINTS_URL": complaints_url,
            "REDRESS_COMPLAINTS_API_KEY": notifications_reads_complaints,
            "REDRESS_ADR_GATEWAY_URL": gateway_url,
            "REDRESS_ADR_GATEWAY_API_KEY": notifications_reads_gateway,
            "REDRESS_PUBLIC_URL": f"http://127.0.0.1:{ports['notifications']}",
        },
    }


def register_sandbox(gateway: GatewayApplication, sandbox_url: str) -> None:
    """The sandbox provider in the gateway's registry, at `sandbox_url` (moved there if it
    was registered at another port), its secret sealed with the keys the gateway will use."""
    _register(
        gateway,
        SANDBOX_ID,
        "Sandbox ADR provider",
        "sandbox",
        {"url": sandbox_url},
        SandboxSettings().secret,
    )


def register_pulse_sandbox(gateway: GatewayApplication, bpp_uri: str) -> None:
    """The PULSE sandbox (a beckn BPP) as the provider `pulse-sandbox`, adapter `pulse`."""
    settings = PulseSandboxSettings()
    _register(
        gateway,
        PULSE_SANDBOX_ID,
        "PULSE sandbox ODR provider",
        "pulse",
        {
            "bpp_id": settings.bpp_id,
            "bpp_uri": bpp_uri,
            "provider": CATALOG_PROVIDER,
            "item": "MEDIATION-01",
        },
        settings.secret,
    )


def _register(
    gateway: GatewayApplication,
    provider_id: str,
    name: str,
    adapter: str,
    adapter_settings: dict[str, str],
    secret: str,
) -> None:
    settings = GatewaySettings()
    cipher = cipher_from_env(settings.cipher_key, settings.cipher_key_file)
    registry = gateway.registry()
    profile = {
        "name": name,
        "methods": ["mediation", "arbitration", "conciliation"],
        "categories": [],
        "jurisdictions": [],
        "languages": ["en"],
        "fee": None,
        "adapter": adapter,
        "adapter_settings": adapter_settings,
        "webhook_secret": sealed_secret(secret, cipher),
        "active": True,
    }
    if provider_id not in registry.providers:
        registry.register(provider_id, profile, registered_by="redress up")
        gateway.save(registry)
    elif registry.providers[provider_id].adapter_settings != profile["adapter_settings"]:
        registry.change(
            provider_id,
            {"adapter_settings": profile["adapter_settings"]},
            changed_by="redress up",
        )
        gateway.save(registry)
