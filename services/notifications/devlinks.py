"""`redress up` on one machine: `service` keys with which notifications reads the complaints
and ADR gateway feeds (kept in var/service-keys and reused while valid)."""

from __future__ import annotations

from pathlib import Path

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from libs.platform.http.auth import KeyRing

KEYS = Path("var/service-keys")


def _service_key(application: object, name: str) -> str:
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


def notification_links(databases: dict[str, str], ports: dict[str, int]) -> dict[str, str]:
    """The notifications service's extra environment under `redress up`."""
    from services.adr_gateway.application import GatewayApplication
    from services.complaints.application import ComplaintsApplication

    complaints = ComplaintsApplication(env=event_store_env(databases["complaints"], pool_size=2))
    gateway = GatewayApplication(env=event_store_env(databases["adr_gateway"], pool_size=2))
    try:
        reads_complaints = _service_key(complaints, "notifications-reads-complaints")
        reads_gateway = _service_key(gateway, "notifications-reads-adr-gateway")
    finally:
        complaints.close()
        gateway.close()
    return {
        "REDRESS_COMPLAINTS_URL": f"http://127.0.0.1:{ports['complaints']}",
        "REDRESS_COMPLAINTS_API_KEY": reads_complaints,
        "REDRESS_ADR_GATEWAY_URL": f"http://127.0.0.1:{ports['adr_gateway']}",
        "REDRESS_ADR_GATEWAY_API_KEY": reads_gateway,
        "REDRESS_PUBLIC_URL": f"http://127.0.0.1:{ports['notifications']}",
    }
