"""The three processes of an ADR round trip: complaints, gateway, sandbox provider."""

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
from libs.platform.http.auth import KeyRing
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.sandbox.app import SandboxSettings
from services.complaints.application import ComplaintsApplication
from tests.support.complaints import bearer, new_complaint
from tests.support.databases import fresh_postgres_database
from tests.support.processes import ServiceProcess, free_port

SANDBOX_SECRET = SandboxSettings().secret


def issue_keys(application: Any, *roles: Role) -> dict[Role, str]:
    keyring = KeyRing(application)
    try:
        return {role: keyring.issue(role=role, name=f"e2e-{role.value}")[1] for role in roles}
    finally:
        application.close()


@dataclass
class RoundTrip:
    complaints: ServiceProcess
    gateway: ServiceProcess
    sandbox: ServiceProcess
    complaint_keys: dict[Role, str]
    gateway_keys: dict[Role, str]
    gateway_env: dict[str, str]
    #: The PULSE sandbox (a beckn BPP), when asked for (`round_trip(..., pulse_env={})`).
    pulse: ServiceProcess | None = None

    def register_sandbox(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "id": "sandbox",
            "name": "Sandbox ADR provider",
            "methods": ["mediation", "arbitration"],
            "adapter": "sandbox",
            "adapter_settings": {"url": f"{self.sandbox.url}/cases"},
            "webhook_secret": SANDBOX_SECRET,
            **overrides,
        }
        response = httpx.post(
            f"{self.gateway.url}/v1/providers",
            json=body,
            headers=bearer(self.gateway_keys[Role.ADMIN]),
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def refer_new_complaint(
        self, provider_id: str = "sandbox", correlation_id: str | None = None
    ) -> tuple[str, str]:
        """Opens a complaint and refers it (a supervisor's override); returns the complaint
        id and the referral id."""
        opened = httpx.post(
            f"{self.complaints.url}/v1/complaints",
            json=new_complaint(),
            headers=bearer(self.complaint_keys[Role.CRM]),
        )
        assert opened.status_code == 201, opened.text
        complaint_id = opened.json()["id"]
        referred = httpx.post(
            f"{self.complaints.url}/v1/complaints/{complaint_id}/adr-referral",
            json={
                "preferred_method": "mediation",
                "preferred_provider_id": provider_id,
                "override_justification": "The customer is vulnerable and the firm agrees "
                "that an independent mediator should hear the case now.",
            },
            headers=bearer(
                self.complaint_keys[Role.SUPERVISOR],
                **({"X-Correlation-ID": correlation_id} if correlation_id else {}),
            ),
        )
        assert referred.status_code == 201, referred.text
        return complaint_id, referred.json()["adr"]["referral_id"]

    def complaint(self, complaint_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.complaints.url}/v1/complaints/{complaint_id}",
            headers=bearer(self.complaint_keys[Role.AUDITOR]),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def referral(self, referral_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.gateway.url}/v1/referrals/{referral_id}",
            headers=bearer(self.gateway_keys[Role.ADMIN]),
        )
        return dict(response.json()) if response.status_code == 200 else {}

    def sandbox_cases(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.sandbox.url}/cases").json())


def eventually(check: Callable[[], Any], timeout: float = 30.0, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s")
        time.sleep(every)


@contextmanager
def round_trip(
    logs: Path,
    *,
    gateway_env: dict[str, str] | None = None,
    sandbox_env: dict[str, str] | None = None,
    pulse_env: dict[str, str] | None = None,
) -> Iterator[RoundTrip]:
    with ExitStack() as stack:
        complaints_db = stack.enter_context(fresh_postgres_database("redress_e2e_complaints"))
        gateway_db = stack.enter_context(fresh_postgres_database("redress_e2e_gateway"))
        complaint_keys = issue_keys(
            ComplaintsApplication(env=event_store_env(complaints_db, pool_size=2)),
            Role.CRM,
            Role.SUPERVISOR,
            Role.AUDITOR,
            Role.SERVICE,
        )
        gateway_keys = issue_keys(
            GatewayApplication(env=event_store_env(gateway_db, pool_size=2)),
            Role.ADMIN,
            Role.SERVICE,
        )
        ports = {name: free_port() for name in ("complaints", "gateway", "sandbox", "pulse")}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        complaints = ServiceProcess(
            "complaints",
            {
                "REDRESS_DATABASE_URL": complaints_db,
                "REDRESS_ADR_GATEWAY_URL": urls["gateway"],
                "REDRESS_ADR_GATEWAY_API_KEY": gateway_keys[Role.SERVICE],
            },
            logs / "complaints.log",
        )
        genv = {
            "REDRESS_DATABASE_URL": gateway_db,
            "REDRESS_COMPLAINTS_URL": urls["complaints"],
            "REDRESS_COMPLAINTS_API_KEY": complaint_keys[Role.SERVICE],
            "REDRESS_DEVELOPMENT": "true",
            "REDRESS_PULSE_CALLBACK_URL": urls["gateway"],
            **(gateway_env or {}),
        }
        gateway = ServiceProcess("adr-gateway", genv, logs / "gateway.log")
        sandbox = ServiceProcess(
            "sandbox-provider",
            {
                "REDRESS_SANDBOX_GATEWAY_URL": urls["gateway"],
                "REDRESS_SANDBOX_STEP_SECONDS": "0.2",
                **(sandbox_env or {}),
            },
            logs / "sandbox.log",
        )
        pulse = (
            None
            if pulse_env is None
            else ServiceProcess(
                "pulse-sandbox",
                {
                    "REDRESS_PULSE_SANDBOX_PUBLIC_URL": urls["pulse"],
                    "REDRESS_PULSE_SANDBOX_STEP_SECONDS": "0.2",
                    **pulse_env,
                },
                logs / "pulse-sandbox.log",
            )
        )
        for process, name in (
            (complaints, "complaints"),
            (gateway, "gateway"),
            (sandbox, "sandbox"),
            (pulse, "pulse"),
        ):
            if process is None:
                continue
            process.port, process.url = ports[name], urls[name]
            process.start()
            stack.callback(process.stop)
        yield RoundTrip(complaints, gateway, sandbox, complaint_keys, gateway_keys, genv, pulse)
