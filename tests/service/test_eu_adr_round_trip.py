"""An `eu-adr` complaint through a whole referral round trip: the complaints service, the ADR
gateway and the sandbox provider, each an in-process app served on loopback HTTP (SQLite),
wired as `redress up` wires them. The provider accepts the case on the complete file and asks
the firm for its answer; the complaint shows the ADR entity's 90 days (Directive 2013/11/EU
art. 8(e)) from the provider's acceptance, and the firm's 20 working days (Directive (EU)
2025/2647) from its request; the firm's answer and the provider's decision meet them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from services.adr_gateway.adapters.webhook import sign
from services.adr_gateway.app import create_app as create_gateway_app
from services.adr_gateway.application import GatewayApplication
from services.adr_gateway.bootstrap import bootstrap as bootstrap_gateway
from services.adr_gateway.sandbox.app import SandboxSettings
from services.adr_gateway.sandbox.app import create_app as create_sandbox_app
from services.complaints.app import create_app as create_complaints_app
from services.complaints.application import ComplaintsApplication
from services.complaints.bootstrap import bootstrap as bootstrap_complaints
from services.complaints.settings import ComplaintsSettings
from tests.support.adr import issue_keys
from tests.support.clocks import LETTERS
from tests.support.complaints import bearer, new_complaint
from tests.support.gateway import gateway_settings
from tests.support.processes import free_port
from tests.support.servers import serving

BRUSSELS = ZoneInfo("Europe/Brussels")
SECRET = SandboxSettings().secret
# The provider accepts on the complete file and tells the firm of the dispute; the decision
# is sent by the test, once the firm has answered.
SCRIPT = [
    {"type": "referral.accepted", "data": {"case_officer": "Sam", "file_complete": True}},
    {"type": "trader.notified", "data": {"request": "Will you take part? Your view, please."}},
]


@dataclass
class EuAdr:
    complaints_url: str
    gateway_url: str
    complaint_keys: dict[Role, str]
    gateway_keys: dict[Role, str]

    def complaint(self, complaint_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.complaints_url}/v1/complaints/{complaint_id}",
            headers=bearer(self.complaint_keys[Role.AGENT]),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def post(self, complaint_id: str, path: str, body: dict[str, Any], role: Role) -> Any:
        response = httpx.post(
            f"{self.complaints_url}/v1/complaints/{complaint_id}{path}",
            json=body,
            headers=bearer(self.complaint_keys[role]),
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    def referral(self, referral_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.gateway_url}/v1/referrals/{referral_id}",
            headers=bearer(self.gateway_keys[Role.ADMIN]),
        )
        return dict(response.json()) if response.status_code == 200 else {}

    def provider_says(self, referral_id: str, kind: str, **data: Any) -> None:
        """A webhook from the sandbox provider, signed with its secret."""
        body = orjson.dumps({"type": kind, "referral_id": referral_id, "data": data})
        headers = {
            **sign(SECRET, f"msg_{uuid.uuid4().hex}", body),
            "content-type": "application/json",
        }
        response = httpx.post(
            f"{self.gateway_url}/v1/providers/sandbox/webhooks", content=body, headers=headers
        )
        assert response.status_code == 200, response.text


@contextmanager
def eu_adr_round_trip(tmp_path: Path) -> Iterator[EuAdr]:
    complaints_db = f"sqlite:///{tmp_path / 'complaints.db'}"
    gateway_db = f"sqlite:///{tmp_path / 'gateway.db'}"
    complaint_keys = issue_keys(
        ComplaintsApplication(env=event_store_env(complaints_db, pool_size=1)),
        Role.AGENT,
        Role.SUPERVISOR,
        Role.SERVICE,
    )
    gateway_keys = issue_keys(
        GatewayApplication(env=event_store_env(gateway_db, pool_size=1)), Role.ADMIN, Role.SERVICE
    )
    ports = {name: free_port() for name in ("complaints", "gateway", "sandbox")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    complaints = bootstrap_complaints(
        ComplaintsSettings(
            database_url=complaints_db,
            scheduler_enabled=False,
            adr_gateway_url=urls["gateway"],
            adr_gateway_api_key=gateway_keys[Role.SERVICE],
        )
    )
    gateway = bootstrap_gateway(
        gateway_settings(
            gateway_db,
            complaints_url=urls["complaints"],
            complaints_api_key=complaint_keys[Role.SERVICE],
            follower_wait_seconds=0.5,
        )
    )
    sandbox = SandboxSettings(
        gateway_url=urls["gateway"], script=orjson.dumps(SCRIPT).decode(), step_seconds=0.2
    )
    with ExitStack() as stack:
        stack.enter_context(serving(create_complaints_app(complaints), ports["complaints"]))
        stack.enter_context(serving(create_gateway_app(gateway), ports["gateway"]))
        stack.enter_context(serving(create_sandbox_app(sandbox), ports["sandbox"]))
        registered = httpx.post(
            f"{urls['gateway']}/v1/providers",
            json={
                "id": "sandbox",
                "name": "Sandbox ADR entity",
                "methods": ["mediation"],
                "adapter": "sandbox",
                "adapter_settings": {"url": f"{urls['sandbox']}/cases"},
                "webhook_secret": SECRET,
            },
            headers=bearer(gateway_keys[Role.ADMIN]),
        )
        assert registered.status_code == 201, registered.text
        yield EuAdr(urls["complaints"], urls["gateway"], complaint_keys, gateway_keys)


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s")
        time.sleep(0.1)
    return result


def clock(document: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((d for d in document["deadlines"] if d["clock"] == name), None)


def test_an_eu_adr_referral_starts_and_meets_both_adr_clocks(tmp_path: Path) -> None:
    with eu_adr_round_trip(tmp_path) as system:
        opened = httpx.post(
            f"{system.complaints_url}/v1/complaints",
            json=new_complaint(regime="eu-adr", regime_variant="directive-2025-2647"),
            headers=bearer(system.complaint_keys[Role.AGENT]),
        )
        assert opened.status_code == 201, opened.text
        complaint_id = opened.json()["id"]
        # The trader's own process first: no ADR clock yet.
        assert opened.json()["deadlines"] == []
        system.post(
            complaint_id,
            "/resolution",
            {"outcome": "not_upheld", "summary": "No error"},
            Role.AGENT,
        )
        letter = {"letter": "Dear Ada, …", "elements": LETTERS["eu-adr"]}
        system.post(complaint_id, "/final-response", letter, Role.AGENT)
        referred = system.post(
            complaint_id,
            "/adr-referral",
            {"preferred_method": "mediation", "preferred_provider_id": "sandbox"},
            Role.SUPERVISOR,
        )
        referral_id = referred["adr"]["referral_id"]

        # The provider accepts on the complete file, then asks the firm.
        asked = eventually(
            lambda: (c := system.complaint(complaint_id))["adr"]["trader_requests"] and c
        )
        adr = asked["adr"]
        accepted_at = datetime.fromisoformat(adr["file_complete_at"])
        requested_at = datetime.fromisoformat(adr["trader_requests"][0]["occurred_at"])
        assert [u["status"] for u in adr["updates"]] == ["accepted"]
        assert asked["status"] == "adr_in_progress"

        outcome = clock(asked, "adr_outcome")
        assert outcome is not None and outcome["party"] == "adr_entity"
        assert datetime.fromisoformat(outcome["started_at"]) == accepted_at
        # 90 calendar days from the day the entity had the complete file, to the end of
        # that day in Brussels.
        due_day = accepted_at.astimezone(BRUSSELS).date() + timedelta(days=90)
        due = datetime.fromisoformat(outcome["due_at"]).astimezone(BRUSSELS)
        assert (due.date(), due.hour, due.minute) == (due_day, 23, 59)
        assert (outcome["state"], outcome["approaching"]) == ("pending", False)
        assert "art. 8(e)" in outcome["basis"]

        answer = clock(asked, "trader_answer")
        assert answer is not None and answer["party"] == "firm"
        assert datetime.fromisoformat(answer["started_at"]) == requested_at
        assert "20 working days" in answer["basis"]
        # The gateway kept both reports on the referral, beside its status.
        referral = system.referral(referral_id)
        assert referral["status"] == "accepted"
        assert [u["type"] for u in referral["provider_updates"]] == [
            "referral.accepted",
            "trader.notified",
        ]

        # The firm answers: its clock is met.
        answered = system.post(
            complaint_id,
            "/adr-answer",
            {"message": "We will take part; our file is attached.", "participates": True},
            Role.AGENT,
        )
        answer = clock(answered, "trader_answer")
        assert answer is not None and (answer["state"], answer["met_by"]) == ("met", "adr_answer")
        assert answered["adr"]["trader_answers"][0]["participates"] is True

        # The entity decides: its clock is met.
        system.provider_says(referral_id, "decision.issued", outcome="not_upheld", binding=False)
        decided = eventually(
            lambda: (c := system.complaint(complaint_id))["status"] == "adr_concluded" and c
        )
        outcome = clock(decided, "adr_outcome")
        assert outcome is not None and (outcome["state"], outcome["met_by"]) == (
            "met",
            "adr_outcome",
        )
