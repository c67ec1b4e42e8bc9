"""One identity: a key created once with `redress keys create` works on every service, with
the same role, and stops working on every service within the documented bound once revoked.

The complaints service keeps the keys and answers for them (`POST /v1/keys/introspect`,
RFC 7662); the ADR gateway and notifications ask it about keys they do not hold and
remember the answer for `REDRESS_KEY_CACHE_SECONDS`. Everything here runs as an operator
runs it: the `redress` command line and each service as its own process on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from libs.domain.values import Role
from libs.platform.eventstore.application import event_store_env
from services.adr_gateway.application import GatewayApplication
from services.registry import SERVICES
from tests.support.adr import issue_keys
from tests.support.complaints import bearer
from tests.support.databases import fresh_postgres_database
from tests.support.generated_clients import DOCUMENTS, module
from tests.support.processes import ServiceProcess, free_port, redress

pytestmark = pytest.mark.postgres

#: The revocation bound the services run with here (REDRESS_KEY_CACHE_SECONDS).
BOUND = 1.0
#: What a process on a busy test machine may add to it (a request in flight, a slow poll).
SLACK = 4.0


@dataclass
class Deployment:
    complaints: ServiceProcess
    gateway: ServiceProcess
    notifications: ServiceProcess
    databases: dict[str, str]
    #: The `service` key the gateway and notifications call the complaints service with.
    service_key: str
    logs: Path

    @property
    def services(self) -> dict[str, ServiceProcess]:
        return {
            "complaints": self.complaints,
            "adr_gateway": self.gateway,
            "notifications": self.notifications,
        }

    def create_key(self, *options: str) -> tuple[str, str]:
        """`redress keys create …` as an operator runs it: (key id, secret)."""
        env = {"REDRESS_DATABASE_URL": self.databases["complaints"]}
        printed = redress("keys", "create", *options, env=env)
        return printed.split("key id: ")[1].split()[0], printed.strip().splitlines()[-1]

    def revoke_key(self, key_id: str) -> None:
        env = {"REDRESS_DATABASE_URL": self.databases["complaints"]}
        assert "revoked" in redress("keys", "revoke", key_id, env=env)

    def gateway_like(self, name: str, **env: str) -> ServiceProcess:
        """Another gateway process on the same database, with settings of its own."""
        process = ServiceProcess("adr-gateway", {}, self.logs / f"{name}.log")
        process.env = {**self.gateway.env, **env}
        return process


#: One read each service answers for an admin key (the README's examples).
READS = {
    "complaints": "/v1/complaints",
    "adr_gateway": "/v1/providers",
    "notifications": "/v1/notifications",
}


def read(process: ServiceProcess, service: str, key: str) -> httpx.Response:
    return httpx.get(f"{process.url}{READS[service]}", headers=bearer(key), timeout=10)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    logs = tmp_path_factory.mktemp("one-identity")
    with (
        fresh_postgres_database("redress_id_cmp") as complaints_db,
        fresh_postgres_database("redress_id_gw") as gateway_db,
        fresh_postgres_database("redress_id_ntf") as notifications_db,
    ):
        databases = {
            "complaints": complaints_db,
            "adr_gateway": gateway_db,
            "notifications": notifications_db,
        }
        for name, url in databases.items():
            entry = SERVICES[name]
            entry.migrate(entry.settings(database_url=url, migrate_on_start=False))
        env = {"REDRESS_DATABASE_URL": complaints_db}
        service_key = redress(
            "keys", "create", "--role", "service", "--name", "linked-services", env=env
        ).splitlines()[-1]
        common = {
            "REDRESS_MIGRATE_ON_START": "false",
            "REDRESS_DB_POOL_SIZE": "4",
            "REDRESS_WORKER_THREADS": "16",
            "REDRESS_KEY_CACHE_SECONDS": str(BOUND),
        }
        complaints = ServiceProcess("complaints", {}, logs / "complaints.log")
        # Not limited here: the junk-key test sends the authority a flood on one key.
        complaints.env = {
            **common,
            "REDRESS_DATABASE_URL": complaints_db,
            "REDRESS_RATE_LIMIT_PER_SECOND": "0",
        }
        linked = {
            **common,
            "REDRESS_COMPLAINTS_URL": complaints.url,
            "REDRESS_COMPLAINTS_API_KEY": service_key,
        }
        gateway = ServiceProcess("adr-gateway", {}, logs / "gateway.log")
        gateway.env = {**linked, "REDRESS_DATABASE_URL": gateway_db}
        notifications = ServiceProcess("notifications", {}, logs / "notifications.log")
        notifications.env = {**linked, "REDRESS_DATABASE_URL": notifications_db}
        complaints.start()
        try:
            gateway.start()
            notifications.start()
            yield Deployment(complaints, gateway, notifications, databases, service_key, logs)
        finally:
            for process in (notifications, gateway, complaints):
                process.stop()


def test_a_key_created_once_works_on_every_service_with_the_same_role(
    deployment: Deployment,
) -> None:
    _, admin = deployment.create_key("--role", "admin", "--name", "ops")
    for name, process in deployment.services.items():
        response = read(process, name, admin)
        assert response.status_code == 200, (name, response.text)

    # The same role everywhere: a CRM key may not read the gateway's registry (admins,
    # auditors and services may), on the gateway as it would not be on the complaints side.
    _, crm = deployment.create_key("--role", "crm", "--name", "acme-crm")
    refused = read(deployment.gateway, "adr_gateway", crm)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "urn:redress:problem:forbidden"
    assert "'crm'" in refused.json()["detail"]


def test_a_revoked_key_stops_working_on_every_service_within_the_bound(
    deployment: Deployment,
) -> None:
    key_id, admin = deployment.create_key("--role", "admin", "--name", "leaver")
    for name, process in deployment.services.items():
        assert read(process, name, admin).status_code == 200, name  # now cached everywhere

    deployment.revoke_key(key_id)
    revoked_at = time.monotonic()

    refused_after: dict[str, float] = {}
    while len(refused_after) < len(READS) and time.monotonic() - revoked_at < BOUND + SLACK:
        for name, process in deployment.services.items():
            if name not in refused_after and read(process, name, admin).status_code == 401:
                refused_after[name] = time.monotonic() - revoked_at
        time.sleep(0.1)
    assert set(refused_after) == set(READS), refused_after
    assert all(seconds <= BOUND + SLACK for seconds in refused_after.values()), refused_after


def test_a_key_created_for_one_service_works_only_there(deployment: Deployment) -> None:
    _, gateway_only = deployment.create_key(
        "--role", "admin", "--name", "registry-admin", "--service", "adr_gateway"
    )
    assert read(deployment.gateway, "adr_gateway", gateway_only).status_code == 200

    for name in ("complaints", "notifications"):
        refused = read(deployment.services[name], name, gateway_only)
        assert refused.status_code == 403, (name, refused.text)
        problem = refused.json()
        assert problem["type"] == "urn:redress:problem:key-for-another-service"
        assert problem["key_service"] == "adr_gateway"
        assert problem["service"] == name
        assert "--service adr_gateway" in problem["detail"]


def test_the_authority_answers_introspection_to_service_keys_only(
    deployment: Deployment,
) -> None:
    url = f"{deployment.complaints.url}/v1/keys/introspect"
    key_id, crm = deployment.create_key("--role", "crm", "--name", "acme-crm", "--entity", "acme")
    service = bearer(deployment.service_key)

    # RFC 7662 sends the token as a form field; a JSON object is taken as well.
    as_form = httpx.post(url, data={"token": crm}, headers=service)
    as_json = httpx.post(url, json={"token": crm}, headers=service)
    assert as_form.status_code == as_json.status_code == 200, as_form.text
    assert as_form.json() == as_json.json()
    assert as_form.json() == {
        "active": True,
        "token_type": "api_key",
        "key_id": key_id,
        "name": "acme-crm",
        "role": "crm",
        "legal_entity": "acme",
        "service": None,
    }
    assert as_form.headers["cache-control"] == "no-store"

    # An unknown key is inactive, and nothing more is said about it.
    unknown = httpx.post(url, data={"token": "rdk_" + "x" * 40}, headers=service)
    assert unknown.json() == {"active": False}

    # Only a `service` key may ask: anyone else could test guessed keys here.
    by_crm = httpx.post(url, data={"token": crm}, headers=bearer(crm))
    assert by_crm.status_code == 403
    no_token = httpx.post(url, json={"key": crm}, headers=service)
    assert no_token.status_code == 400
    assert no_token.json()["type"] == "urn:redress:problem:invalid-request"
    as_text = httpx.post(url, content=crm, headers={**service, "Content-Type": "text/plain"})
    assert as_text.status_code == 415


def test_without_the_authority_unknown_keys_are_503_not_401(deployment: Deployment) -> None:
    _, anywhere = deployment.create_key("--role", "admin", "--name", "ops")
    own_keys = issue_keys(
        GatewayApplication(env=event_store_env(deployment.databases["adr_gateway"], pool_size=1)),
        Role.ADMIN,
    )
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    cut_off = deployment.gateway_like("gateway-cut-off", REDRESS_KEY_AUTHORITY_URL=nobody_listens)
    cut_off.start()
    try:
        unavailable = read(cut_off, "adr_gateway", anywhere)
        assert unavailable.status_code == 503, unavailable.text
        problem = unavailable.json()
        assert problem["type"] == "urn:redress:problem:identity-unavailable"
        assert problem["authority"] == nobody_listens
        assert unavailable.headers["retry-after"] == "1"
        # Keys the gateway holds itself do not depend on the authority.
        assert read(cut_off, "adr_gateway", own_keys[Role.ADMIN]).status_code == 200
    finally:
        cut_off.stop()


def test_junk_keys_do_not_evict_a_good_key_from_the_cache(deployment: Deployment) -> None:
    """A good key is remembered for the cache's TTL however many unknown keys are tried in
    between: they are remembered in a table of their own. Shown by revoking the good key
    after it was cached: a gateway that had forgotten it would ask again and refuse it."""
    key_id, admin = deployment.create_key("--role", "admin", "--name", "busy-client")
    remembering = deployment.gateway_like(
        "gateway-remembering",
        REDRESS_KEY_CACHE_SECONDS="120",
        REDRESS_AUTH_FAILURES_PER_MINUTE="0",  # every junk key is looked up
        REDRESS_RATE_LIMIT_PER_SECOND="0",
    )
    remembering.start()
    try:
        assert read(remembering, "adr_gateway", admin).status_code == 200
        deployment.revoke_key(key_id)

        junk = asyncio.run(_junk_keys(remembering.url, 1_100))  # more than the refused table
        assert junk == {401}

        assert read(remembering, "adr_gateway", admin).status_code == 200
        # The gateway with the documented bound has long refused it.
        assert read(deployment.gateway, "adr_gateway", admin).status_code == 401
    finally:
        remembering.stop()


async def _junk_keys(url: str, count: int) -> set[int]:
    statuses: set[int] = set()
    limit = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def one(index: int) -> None:
            async with limit:
                response = await client.get("/v1/providers", headers=bearer(f"rdk_junk{index:06d}"))
                statuses.add(response.status_code)

        await asyncio.gather(*(one(i) for i in range(count)))
    return statuses


def test_the_readme_journey_runs_through_generated_clients_with_one_key(
    deployment: Deployment, generated: Callable[[str], ModuleType]
) -> None:
    """Issue 20's "done when": the README's journey, through clients generated from each
    service's OpenAPI document, against all three services, with one key made once."""
    _, key = deployment.create_key("--role", "admin", "--name", "integrator")
    complaints, gateway, notifications = (
        generated(name) for name in ("complaints", "adr_gateway", "notifications")
    )

    def call(package: ModuleType, operation: str, **arguments: Any) -> Any:
        process = {
            complaints: deployment.complaints,
            gateway: deployment.gateway,
            notifications: deployment.notifications,
        }[package]
        client = package.AuthenticatedClient(base_url=process.url, token=key, timeout=30)
        answer = module(package, f"api.{operation}").sync_detailed(client=client, **arguments)
        assert answer.status_code < 300, (operation, answer.status_code, answer.content)
        return answer

    def body(package: ModuleType, model: str, fields: dict[str, Any]) -> Any:
        return getattr(module(package, "models"), model).from_dict(fields)

    # 1. open a complaint (the README's body), idempotently
    opened = call(
        complaints,
        "complaints.open_complaint",
        body=body(complaints, "OpenComplaint", README_COMPLAINT),
        idempotency_key="crm-ticket-one-key",
    )
    complaint_id = opened.parsed.id
    at = {"complaint_id": complaint_id}

    # 2.-3. what happens, an escalation, an offer and the customer's answer
    call(
        complaints,
        "interactions.record_interaction",
        **at,
        body=body(
            complaints,
            "RecordInteraction",
            {"kind": "call", "direction": "inbound", "summary": "Customer rang, upset"},
        ),
    )
    call(
        complaints,
        "escalations.escalate_complaint",
        **at,
        body=body(complaints, "Escalate", {"reason": "Asked for a supervisor"}),
    )
    offered = call(
        complaints,
        "offers.make_offer",
        **at,
        body=body(
            complaints,
            "MakeOffer",
            {"description": "Refund", "amount": {"amount": "42.50", "currency": "GBP"}},
        ),
    )
    offer_id = offered.headers["location"].rsplit("/", 1)[1]
    call(
        complaints,
        "offers.respond_to_offer",
        **at,
        offer_id=offer_id,
        body=body(complaints, "RespondToOffer", {"decision": "accepted"}),
    )

    # 4. resolve and issue the final response with the regulator's elements
    call(
        complaints,
        "decisions.resolve_complaint",
        **at,
        body=body(
            complaints,
            "Resolve",
            {"outcome": "upheld", "summary": "Duplicate charge confirmed", "remedy": "Refund"},
        ),
    )
    call(
        complaints,
        "decisions.issue_final_response",
        **at,
        body=body(complaints, "IssueFinalResponse", README_FINAL_RESPONSE),
    )

    # 5.-6. an appeal decided a tier above, closure and reopening
    lodged = call(
        complaints,
        "appeals.lodge_appeal",
        **at,
        body=body(complaints, "LodgeAppeal", {"grounds": "The refund came without interest"}),
    )
    call(
        complaints,
        "appeals.decide_appeal",
        **at,
        appeal_id=lodged.headers["location"].rsplit("/", 1)[1],
        body=body(
            complaints,
            "DecideAppeal",
            {
                "outcome": "dismissed",
                "decided_at_tier": "manager",
                "reasons": "Interest is not due on a refund made within 8 weeks",
            },
        ),
    )
    call(
        complaints,
        "lifecycle.close_complaint",
        **at,
        body=body(complaints, "Close", {"reason": "Resolved"}),
    )
    reopened = call(
        complaints,
        "lifecycle.reopen_complaint",
        **at,
        body=body(complaints, "Reopen", {"reason": "New evidence"}),
    )
    assert reopened.parsed.status == "open"

    # 7. read it, its history and the list
    read = call(complaints, "complaints.get_complaint", **at)
    assert read.parsed.version == reopened.parsed.version
    history = call(complaints, "history.list_history", **at)
    assert history.parsed.to_dict()["items"][-1]["type"] == "Reopened"
    listed = call(
        complaints, "complaints.list_complaints", external_ref=README_COMPLAINT["external_ref"]
    )
    assert complaint_id in [item["id"] for item in listed.parsed.to_dict()["items"]]

    # The same key on the gateway (the README's provider registry) and on notifications.
    call(
        gateway,
        "providers.register_provider",
        body=body(
            gateway,
            "NewProvider",
            {
                "id": "ombudsman-one-key",
                "name": "Ombudsman Services (one key)",
                "methods": ["mediation"],
                "adapter": "email",
                "adapter_settings": {"to": "referrals@ombudsman.example"},
            },
        ),
        idempotency_key="register-ombudsman-one-key",
    )
    providers = call(gateway, "providers.list_providers").parsed
    assert "ombudsman-one-key" in [provider.id for provider in providers]
    assert call(notifications, "notifications.list_notifications").status_code == 200


def published_example(model: str) -> dict[str, Any]:
    """The request body the complaints service's OpenAPI document publishes for `model` (the
    README's, and what a developer copies from /docs)."""
    document = json.loads((DOCUMENTS / "complaints.json").read_text())
    example: dict[str, Any] = document["components"]["schemas"][model]["examples"][0]
    return example


README_COMPLAINT = published_example("OpenComplaint")
README_FINAL_RESPONSE = published_example("IssueFinalResponse")
