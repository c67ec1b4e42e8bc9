"""A referral's way to a provider, on real HTTP: the complaints service and the ADR gateway
in-process (SQLite), a webhook provider (the scripted `Receiver`) and an e-mail provider (a
real SMTP catcher), with the deployment signing key in the test's folder."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from libs.platform.eventstore.integrity.audit import chain_recorder, write_checkpoint
from services.adr_gateway.app import create_app as create_gateway_app
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.bootstrap import bootstrap as bootstrap_gateway
from services.adr_gateway.webhook_secrets import new_webhook_secret
from services.complaints.app import create_app as create_complaints_app
from services.complaints.application import ComplaintsApplication
from services.complaints.bootstrap import ComplaintsService
from services.complaints.bootstrap import bootstrap as bootstrap_complaints
from services.complaints.settings import ComplaintsSettings
from services.notifications.mailcatcher import MailCatcher
from tests.support.adr import issue_keys
from tests.support.complaints import bearer, new_complaint
from tests.support.gateway import Receiver, gateway_settings, receiving
from tests.support.notifications import smtp_server
from tests.support.processes import free_port
from tests.support.servers import serving

WEBHOOK_PROVIDER = "webhook-provider"
EMAIL_PROVIDER = "email-provider"
EMAIL_TO = "cases@provider.example"


@dataclass
class BundleSystem:
    complaints_url: str
    gateway_url: str
    complaints: ComplaintsService
    complaint_keys: dict[Role, str]
    gateway_keys: dict[Role, str]
    receiver: Receiver
    mail: MailCatcher
    signing_dir: Path

    def open_complaint(self, interactions: int = 0) -> str:
        """A complaint with `interactions` notes after it was opened (one event each)."""
        crm = bearer(self.complaint_keys[Role.CRM])
        with httpx.Client(base_url=self.complaints_url, headers=crm, timeout=30) as client:
            opened = client.post("/v1/complaints", json=new_complaint())
            assert opened.status_code == 201, opened.text
            complaint_id = str(opened.json()["id"])
            for n in range(interactions):
                note = {"kind": "note", "direction": "internal", "summary": f"note {n + 1}"}
                recorded = client.post(f"/v1/complaints/{complaint_id}/interactions", json=note)
                assert recorded.status_code == 201, recorded.text
        return complaint_id

    def checkpoint(self) -> None:
        """Anchors every chain head, as the complaints service's scheduler does."""
        write_checkpoint(chain_recorder(self.complaints.application.recorder), force=True)

    def refer(self, complaint_id: str, provider_id: str = WEBHOOK_PROVIDER) -> str:
        referred = httpx.post(
            f"{self.complaints_url}/v1/complaints/{complaint_id}/adr-referral",
            json={
                "preferred_method": "mediation",
                "preferred_provider_id": provider_id,
                "override_justification": "The customer is vulnerable and the firm agrees "
                "that an independent mediator should hear the case now.",
            },
            headers=bearer(self.complaint_keys[Role.SUPERVISOR]),
        )
        assert referred.status_code == 201, referred.text
        return str(referred.json()["adr"]["referral_id"])

    def gateway(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(
            f"{self.gateway_url}{path}",
            params=params,
            headers=bearer(self.gateway_keys[Role.ADMIN]),
            timeout=60,
        )

    def complaints_api(self, path: str) -> httpx.Response:
        return httpx.get(
            f"{self.complaints_url}{path}",
            headers=bearer(self.complaint_keys[Role.AUDITOR]),
            timeout=60,
        )

    def delivered(self, referral_id: str) -> dict[str, Any]:
        """The referral once its provider has it."""

        def referral() -> dict[str, Any] | None:
            response = self.gateway(f"/v1/referrals/{referral_id}")
            found = dict(response.json()) if response.status_code == 200 else {}
            return found if found.get("delivery") == "delivered" else None

        delivered: dict[str, Any] = eventually(referral, timeout=60)
        return delivered


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s")
        time.sleep(0.1)
    return result


@contextmanager
def bundle_system(tmp_path: Path) -> Iterator[BundleSystem]:
    complaints_db = f"sqlite:///{tmp_path / 'complaints.db'}"
    gateway_db = f"sqlite:///{tmp_path / 'gateway.db'}"
    signing_dir = tmp_path / "signing"
    complaint_keys = issue_keys(
        ComplaintsApplication(env=event_store_env(complaints_db, pool_size=1)),
        Role.CRM,
        Role.SUPERVISOR,
        Role.AUDITOR,
        Role.SERVICE,
    )
    gateway_keys = issue_keys(
        GatewayApplication(env=event_store_env(gateway_db, pool_size=1)), Role.ADMIN, Role.SERVICE
    )
    ports = {name: free_port() for name in ("complaints", "gateway")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    complaints = bootstrap_complaints(
        ComplaintsSettings(
            database_url=complaints_db,
            scheduler_enabled=False,
            adr_gateway_url=urls["gateway"],
            adr_gateway_api_key=gateway_keys[Role.SERVICE],
        )
    )
    receiver = Receiver(secret=new_webhook_secret())
    with ExitStack() as stack:
        mail = stack.enter_context(smtp_server(tmp_path / "mail"))
        gateway = bootstrap_gateway(
            gateway_settings(
                gateway_db,
                complaints_url=urls["complaints"],
                complaints_api_key=complaint_keys[Role.SERVICE],
                follower_wait_seconds=0.5,
                signing_dir=str(signing_dir),
                smtp_port=mail.settings.smtp_port,
            )
        )
        stack.enter_context(serving(create_complaints_app(complaints), ports["complaints"]))
        stack.enter_context(serving(create_gateway_app(gateway), ports["gateway"]))
        webhook_url = stack.enter_context(receiving(receiver))
        for provider in (
            {
                "id": WEBHOOK_PROVIDER,
                "adapter": "webhook",
                "adapter_settings": {"url": webhook_url},
                "webhook_secret": receiver.secret,
            },
            {
                "id": EMAIL_PROVIDER,
                "adapter": "email",
                "adapter_settings": {"to": EMAIL_TO},
                "webhook_secret": new_webhook_secret(),
            },
        ):
            registered = httpx.post(
                f"{urls['gateway']}/v1/providers",
                json={"name": f"Provider {provider['id']}", "methods": ["mediation"], **provider},
                headers=bearer(gateway_keys[Role.ADMIN]),
            )
            assert registered.status_code == 201, registered.text
        yield BundleSystem(
            urls["complaints"],
            urls["gateway"],
            complaints,
            complaint_keys,
            gateway_keys,
            receiver,
            mail,
            signing_dir,
        )
