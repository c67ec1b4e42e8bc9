"""`redress up` on one machine: the keys that link the services, and the sandbox provider
registered with the gateway, so that a referral makes the whole round trip."""

from __future__ import annotations

from pathlib import Path

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from libs.platform.http.auth import KeyRing
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.sandbox.app import SandboxSettings

KEYS = Path("var/service-keys")
SANDBOX_ID = "sandbox"


def _service_key(application: object, name: str) -> str:
    """A `service` key in `application`'s key store, kept in var/ and reused while valid."""
    keyring = KeyRing(application)  # type: ignore[arg-type]
    path = KEYS / name
    if path.exists():
        secret = path.read_text().strip()
        if keyring.verify(secret) is not None:
            return secret
    _, secret = keyring.issue(role=Role.SERVICE, name=name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret


def development_links(
    databases: dict[str, str], ports: dict[str, int]
) -> dict[str, dict[str, str]]:
    """Extra environment per service name."""
    from services.complaints.application import ComplaintsApplication

    complaints = ComplaintsApplication(env=event_store_env(databases["complaints"], pool_size=2))
    gateway = GatewayApplication(env=event_store_env(databases["adr_gateway"], pool_size=2))
    try:
        gateway_reads_complaints = _service_key(complaints, "adr-gateway")
        complaints_reads_gateway = _service_key(gateway, "complaints")
        registry = gateway.registry()
        sandbox_url = f"http://127.0.0.1:{ports['sandbox_provider']}/cases"
        profile = {
            "name": "Sandbox ADR provider",
            "methods": ["mediation", "arbitration", "conciliation"],
            "categories": [],
            "jurisdictions": [],
            "languages": ["en"],
            "fee": None,
            "adapter": "sandbox",
            "adapter_settings": {"url": sandbox_url},
            "webhook_secret": SandboxSettings().secret,
            "active": True,
        }
        if SANDBOX_ID not in registry.providers:
            registry.register(SANDBOX_ID, profile, registered_by="redress up")
            gateway.save(registry)
        elif registry.providers[SANDBOX_ID].adapter_settings != profile["adapter_settings"]:
            registry.change(
                SANDBOX_ID,
                {"adapter_settings": profile["adapter_settings"]},
                changed_by="redress up",
            )
            gateway.save(registry)
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
    }
