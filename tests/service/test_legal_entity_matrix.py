"""Firms kept apart: a key of one legal entity cannot reach another entity's complaint by
any route of the complaints service.

The matrix walks every route of the app (so a route added later is tried too): each route
under a complaint is asked, with every method, for a complaint of entity A by a key of
entity B, and must answer exactly as for a complaint that does not exist (404 naming the
complaint, never a 403 that would confirm it exists), and write nothing. Every other route
must be listed below with what it shows a key of entity B: nothing of A's. SQLite and
PostgreSQL (a database of its own: entities registered here would otherwise be seen by
every other test's complaints), over real HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.domain.values import Role
from services.complaints.app import create_app
from services.complaints.bootstrap import ComplaintsService
from tests.conftest import build_complaints
from tests.support.complaints import bearer, new_complaint
from tests.support.databases import fresh_postgres_database
from tests.support.routes import _walk
from tests.support.servers import serving

A, B = "acme-uk", "acme-au"
PERIOD = {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}


@pytest.fixture(params=["sqlite", "postgres"])
def own_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'complaints.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


@dataclass
class Firms:
    service: ComplaintsService
    client: httpx.AsyncClient
    keys: dict[str, dict[str, str]]
    complaint: dict[str, Any]
    ids: dict[str, str]

    def as_(self, who: str, **extra: str) -> dict[str, str]:
        return {**self.keys[who], **extra}


@pytest.fixture
async def firms(own_database: str) -> AsyncIterator[Firms]:
    service = build_complaints(own_database)
    issue = service.keyring.issue
    keys = {
        "admin": bearer(issue(role=Role.ADMIN, name="group admin")[1]),
        "crm_a": bearer(issue(role=Role.CRM, name="crm a", legal_entity=A)[1]),
        "admin_a": bearer(issue(role=Role.ADMIN, name="admin a", legal_entity=A)[1]),
        "admin_b": bearer(issue(role=Role.ADMIN, name="admin b", legal_entity=B)[1]),
        "auditor_b": bearer(issue(role=Role.AUDITOR, name="auditor b", legal_entity=B)[1]),
        "crm_b": bearer(issue(role=Role.CRM, name="crm b", legal_entity=B)[1]),
    }
    with serving(create_app(service)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for entity, reference in ((A, {"fca_frn": "123456"}), (B, {"afsl": "234567"})):
                registered = await client.post(
                    "/v1/legal-entities",
                    json={"id": entity, "name": entity, "regulator_references": reference},
                    headers=keys["admin"],
                )
                assert registered.status_code == 201, registered.text
            opened = await client.post(
                "/v1/complaints", json=new_complaint(), headers=keys["crm_a"]
            )
            assert opened.status_code == 201, opened.text
            path = f"/v1/complaints/{opened.json()['id']}"
            offer = await client.post(
                f"{path}/offers",
                json={"description": "goodwill", "amount": {"amount": "5.00", "currency": "GBP"}},
                headers=keys["crm_a"],
            )
            assert offer.status_code == 201, offer.text
            call = await client.post(
                f"{path}/interactions",
                json={"kind": "call", "direction": "inbound", "summary": "rang"},
                headers=keys["crm_a"],
            )
            assert call.status_code == 201, call.text
            ids = {
                "complaint_id": opened.json()["id"],
                "offer_id": offer.headers["location"].rsplit("/", 1)[-1],
                "interaction_id": call.headers["location"].rsplit("/", 1)[-1],
            }
            current = (await client.get(path, headers=keys["crm_a"])).json()
            yield Firms(service, client, keys, current, ids)


def every_route(firms: Firms) -> list[tuple[str, str]]:
    app = create_app(firms.service)
    return sorted({(m, p) for m, p in _walk(list(app.routes)) if m != "HEAD"})


def filled(path: str, ids: dict[str, str]) -> str:
    """The path with the complaint's own ids, and any other id made up."""
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + str(uuid.uuid4()) + path[end + 1 :]
    return path


async def test_every_route_under_a_complaint_hides_another_entitys_complaint(
    firms: Firms,
) -> None:
    complaint_id = firms.ids["complaint_id"]
    tried = []
    for method, template in every_route(firms):
        if "{complaint_id}" not in template:
            continue
        path = filled(template, firms.ids)
        for who in ("admin_b", "auditor_b", "crm_b"):
            answer = await firms.client.request(
                method,
                path,
                json={} if method != "GET" else None,
                headers=firms.as_(who, **{"Idempotency-Key": str(uuid.uuid4())}),
            )
            assert answer.status_code == 404, (who, method, path, answer.text)
            assert answer.json()["detail"] == f"no complaint with id '{complaint_id}'", path
        # The same route, for a key of the complaint's own entity, finds the complaint.
        own = await firms.client.request(
            method, path, json={} if method != "GET" else None, headers=firms.as_("admin_a")
        )
        assert "no complaint with id" not in own.text, (method, path, own.text)
        tried.append((method, template))
    assert len(tried) >= 30, tried  # every sub-resource, command and export
    after = await firms.client.get(f"/v1/complaints/{complaint_id}", headers=firms.as_("admin"))
    assert after.json()["version"] == firms.complaint["version"]  # nothing was written


async def _list(firms: Firms, who: str) -> None:
    external_ref = firms.complaint["external_ref"]
    for query in ({}, {"external_ref": external_ref}, {"legal_entity": A}):
        found = await firms.client.get("/v1/complaints", params=query, headers=firms.as_(who))
        assert found.status_code == 200, found.text
        assert [c["id"] for c in found.json()["items"]] == [], query


async def _open(firms: Firms, who: str) -> None:
    refused = await firms.client.post(
        "/v1/complaints", json=new_complaint(legal_entity=A), headers=firms.as_("crm_b")
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "legal_entity"


async def _report(firms: Firms, who: str) -> None:
    for query in (PERIOD, {**PERIOD, "legal_entity": A}):
        report = await firms.client.get(
            "/v1/reports/regulatory", params=query, headers=firms.as_(who)
        )
        assert report.status_code == 200, report.text
        assert report.json()["totals"]["opened"] == 0, query
        assert A not in report.json()["by_legal_entity"]


async def _events(firms: Firms, who: str) -> None:
    page = await firms.client.get("/v1/events", headers=firms.as_(who))
    assert page.status_code == 200, page.text
    assert page.json()["items"] == []
    assert page.json()["next_after"] > 0  # A's events were passed over, not waited for


async def _entities(firms: Firms, who: str) -> None:
    listed = await firms.client.get("/v1/legal-entities", headers=firms.as_(who))
    assert [e["id"] for e in listed.json()["items"]] == [B]
    other = await firms.client.get(f"/v1/legal-entities/{A}", headers=firms.as_(who))
    assert other.status_code == 404, other.text


async def _register(firms: Firms, who: str) -> None:
    refused = await firms.client.post(
        "/v1/legal-entities", json={"id": "acme-us", "name": "Acme US"}, headers=firms.as_(who)
    )
    assert refused.status_code == 403, refused.text


async def _checkpoints(firms: Firms, who: str) -> None:
    answer = await firms.client.get("/v1/audit/checkpoints", headers=firms.as_(who))
    assert answer.json()["items"] == []


async def _introspect(firms: Firms, who: str) -> None:
    """Only service keys (group-wide) may ask the key authority about a key."""
    a_key = firms.keys["crm_a"]["Authorization"].removeprefix("Bearer ")
    refused = await firms.client.post(
        "/v1/keys/introspect", data={"token": a_key}, headers=firms.as_(who)
    )
    assert refused.status_code == 403, refused.text
    assert "acme-uk" not in refused.text


async def _holds_nothing_of_an_entity(firms: Firms, who: str) -> None:
    """Deployment-wide, of no complaint: regimes, health, docs, the signing key."""


#: Every route not under one complaint, and what a key of entity B sees there of A's.
ELSEWHERE: dict[tuple[str, str], Callable[[Firms, str], Any]] = {
    ("GET", "/v1/complaints"): _list,
    ("POST", "/v1/complaints"): _open,
    ("GET", "/v1/reports/regulatory"): _report,
    ("GET", "/v1/events"): _events,
    ("GET", "/v1/legal-entities"): _entities,
    ("GET", "/v1/legal-entities/{entity_id}"): _entities,
    ("POST", "/v1/legal-entities"): _register,
    ("GET", "/v1/audit/checkpoints"): _checkpoints,
    ("POST", "/v1/keys/introspect"): _introspect,
}
DEPLOYMENT_WIDE = (
    "/v1/regimes",
    "/healthz",
    "/readyz",
    "/livez",
    "/metrics",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/.well-known",
    "/v1/signing-keys",
)


async def test_every_other_route_shows_nothing_of_another_entity(firms: Firms) -> None:
    for method, path in every_route(firms):
        if "{complaint_id}" in path:
            continue
        check = ELSEWHERE.get((method, path))
        if check is None:
            assert path.startswith(DEPLOYMENT_WIDE), (
                f"{method} {path} is a new route: say here what it shows another entity"
            )
            continue
        for who in ("admin_b", "auditor_b"):
            await check(firms, who)


async def test_the_complaints_own_entity_and_group_wide_keys_see_it(firms: Firms) -> None:
    complaint_id = firms.ids["complaint_id"]
    for who in ("crm_a", "admin"):
        listed = await firms.client.get(
            "/v1/complaints", params={"legal_entity": A}, headers=firms.as_(who)
        )
        assert [c["id"] for c in listed.json()["items"]] == [complaint_id]
        assert listed.json()["items"][0]["legal_entity"] == A
    report = await firms.client.get(
        "/v1/reports/regulatory", params=PERIOD, headers=firms.as_("admin")
    )
    assert report.json()["by_legal_entity"][A]["opened"] == 1
    assert firms.complaint["legal_entity"] == A


async def test_a_group_wide_key_names_the_entity_once_there_are_several(firms: Firms) -> None:
    unnamed = await firms.client.post(
        "/v1/complaints", json=new_complaint(), headers=firms.as_("admin")
    )
    assert unnamed.status_code == 422, unnamed.text
    assert unnamed.json()["type"].endswith("legal-entity-required")
    named = await firms.client.post(
        "/v1/complaints", json=new_complaint(legal_entity=B), headers=firms.as_("admin")
    )
    assert named.status_code == 201, named.text
    assert named.json()["legal_entity"] == B
    unknown = await firms.client.post(
        "/v1/complaints", json=new_complaint(legal_entity="acme-mars"), headers=firms.as_("admin")
    )
    assert unknown.status_code == 422, unknown.text


async def test_a_key_of_the_complaints_entity_follows_its_events(firms: Firms) -> None:
    auditor_a = bearer(
        firms.service.keyring.issue(role=Role.AUDITOR, name="auditor a", legal_entity=A)[1]
    )
    page = await firms.client.get("/v1/events", headers=auditor_a)
    subjects = {item["subject"] for item in page.json()["items"]}
    assert subjects == {firms.ids["complaint_id"]}
    received = page.json()["items"][0]
    assert received["type"].endswith("ComplaintReceived")
    assert received["data"]["legal_entity"] == A


async def test_a_complaint_that_says_no_regime_follows_its_entitys(firms: Firms) -> None:
    registered = await firms.client.post(
        "/v1/legal-entities",
        json={
            "id": "acme-gb",
            "name": "Acme GB",
            "regulator_references": {"fca_frn": "654321"},
            "default_regime": "uk-fca-disp",
        },
        headers=firms.as_("admin"),
    )
    assert registered.status_code == 201, registered.text
    assert registered.headers["location"] == "/v1/legal-entities/acme-gb"
    body = new_complaint(legal_entity="acme-gb")
    del body["regime"]
    opened = await firms.client.post("/v1/complaints", json=body, headers=firms.as_("admin"))
    assert opened.status_code == 201, opened.text
    assert (opened.json()["legal_entity"], opened.json()["regime"]) == ("acme-gb", "uk-fca-disp")


async def test_one_entity_needs_no_configuration(tmp_path: Path) -> None:
    service = build_complaints(
        f"sqlite:///{tmp_path / 'one.db'}", default_legal_entity_name="Acme Ltd"
    )
    admin = bearer(service.keyring.issue(role=Role.ADMIN, name="admin")[1])
    crm = bearer(service.keyring.issue(role=Role.CRM, name="crm")[1])
    with serving(create_app(service)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            for key in (admin, crm):
                opened = await client.post("/v1/complaints", json=new_complaint(), headers=key)
                assert opened.status_code == 201, opened.text
                assert opened.json()["legal_entity"] == "default"
            listed = await client.get("/v1/legal-entities", headers=crm)
            assert listed.json()["items"] == [
                {
                    "id": "default",
                    "name": "Acme Ltd",
                    "regulator_references": {},
                    "default_regime": "default",
                    "calendar_subdivision": None,
                    "registered": False,
                }
            ]
            seen = await client.get("/v1/complaints", headers=crm)
            assert len(seen.json()["items"]) == 2
