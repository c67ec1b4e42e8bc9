"""Legal entities kept apart on the ADR gateway (issue 20, Build 2): every route of the app is
tried with a key of another legal entity of the group, and none tells it anything of the
first entity's referrals or providers.

Another entity's referral or provider is answered exactly as one that does not exist (404,
never a 403 that would confirm it); the event feed, one log of every entity's referrals, is
refused to any key scoped to one entity (403 `group-wide-only`). A route added later fails
this test until it is placed in one of the lists below.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from libs.domain.referral import Referral
from libs.domain.values import Role
from tests.support.gateway import (
    Receiver,
    RunningGateway,
    gateway_settings,
    receiving,
    running_gateway,
    sqlite_url,
)
from tests.support.routes import SERVICE_OWN_ROUTES, every_route

OURS = "acme-uk"  # the entity whose referral and provider exist
THEIRS = "globex-ie"  # another entity of the group, whose key tries every route

#: Routes that name one referral or provider: another entity's is not found.
NOT_FOUND = {
    ("GET", "/v1/referrals/{referral_id}"),
    ("GET", "/v1/referrals/{referral_id}/bundle"),
    ("GET", "/v1/referrals/{referral_id}/bundle/manifest.jws"),
    ("GET", "/v1/referrals/{referral_id}/candidates"),
    ("POST", "/v1/referrals/{referral_id}/redeliver"),
    ("POST", "/v1/referrals/{referral_id}/messages"),
    ("GET", "/v1/referrals/{referral_id}/documents/{document_id}"),
    ("GET", "/v1/providers/{provider_id}"),
    ("PATCH", "/v1/providers/{provider_id}"),
    ("POST", "/v1/pulse/referrals/{referral_id}/{action}"),
}
#: One log of every entity's events: group-wide keys only.
GROUP_WIDE_ONLY = {("GET", "/v1/events")}
#: Lists: answered, without the other entity's items.
FILTERED = {("GET", "/v1/providers")}
#: A registration for another entity: refused, naming why.
OUT_OF_SCOPE = {("POST", "/v1/providers")}
#: Not for API keys at all: a provider's webhook is authenticated by its signature (the
#: provider's secret), and names a referral the provider was given.
SIGNED_BY_PROVIDERS = {
    ("POST", "/v1/providers/{provider_id}/webhooks"),
    ("POST", "/v1/pulse/providers/{provider_id}/{action}"),
    # A PULSE provider's answer to a search the gateway is waiting on (docs/adr-pulse.md).
    ("POST", "/v1/pulse/discovery/on_search"),
}
#: Asks providers what they offer: nothing of any entity's cases goes out or comes back.
DISCOVERY = {("POST", "/v1/pulse/search")}
#: An ADR provider's own routes (issue 19): only a `provider` key, and only for the referrals
#: given to its provider (tests/service/test_provider_routes.py); any other key is forbidden
#: by its role before any referral is looked at.
PROVIDERS_ONLY = {
    ("GET", "/v1/provider/referrals"),
    ("GET", "/v1/provider/referrals/{referral_id}"),
    ("GET", "/v1/provider/referrals/{referral_id}/bundle"),
    ("GET", "/v1/provider/referrals/{referral_id}/documents"),
    ("GET", "/v1/provider/referrals/{referral_id}/documents/{name}"),
    ("GET", "/v1/provider/referrals/{referral_id}/messages"),
    ("GET", "/v1/provider/referrals/{referral_id}/messages/{message_id}"),
    ("POST", "/v1/provider/referrals/{referral_id}/messages"),
    ("POST", "/v1/provider/referrals/{referral_id}/documents"),
}
#: The service's own, with nothing of any entity in them.
PUBLIC = SERVICE_OWN_ROUTES


@dataclass
class Group:
    gateway: RunningGateway
    ours: str  # an admin key acting for OURS
    theirs: str  # an admin key acting for THEIRS
    referral: Referral  # OURS', prepared, its bundle built
    provider_id: str  # OURS'

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid4())}


@pytest.fixture
async def group(tmp_path: Path) -> AsyncIterator[Group]:
    async with running_gateway(gateway_settings(sqlite_url(tmp_path))) as gateway:
        keyring = gateway.service.keyring
        ours = keyring.issue(role=Role.ADMIN, name="acme-admin", legal_entity=OURS)[1]
        theirs = keyring.issue(role=Role.ADMIN, name="globex-admin", legal_entity=THEIRS)[1]
        with receiving(Receiver()) as url:
            response = await gateway.client.post(
                "/v1/providers",
                json={
                    "id": "acme-mediation",
                    "name": "Acme's mediator",
                    "methods": ["mediation"],
                    "adapter": "webhook",
                    "adapter_settings": {"url": url},
                },
                headers={"Authorization": f"Bearer {ours}"},
            )
            assert response.status_code == 201, response.text
            assert response.json()["legal_entity"] == OURS  # the key's entity
            referral = gateway.prepared_referral("acme-mediation", OURS)
            yield Group(gateway, ours, theirs, referral, "acme-mediation")


def _path(path: str, group: Group) -> str:
    return (
        path.replace("{referral_id}", group.referral.reference)
        .replace("{provider_id}", group.provider_id)
        .replace("{name}", "bundle.json")
        .replace("{action}", "status")
    )


def _body(method: str, path: str) -> Any:
    if (method, path) == ("POST", "/v1/providers"):
        return {
            "id": "sneaky",
            "name": "Registered for another entity",
            "methods": ["mediation"],
            "adapter": "email",
            "adapter_settings": {"to": "referrals@sneaky.example"},
            "legal_entity": OURS,
        }
    if method == "PATCH":
        return {"active": False}
    if (method, path) == ("POST", "/v1/referrals/{referral_id}/messages"):
        return {"in_reply_to": "msg_1", "body": "An answer"}
    if method == "POST":
        return {}
    return None


async def _as(group: Group, key: str, method: str, path: str) -> httpx.Response:
    return await group.gateway.client.request(
        method, _path(path, group), json=_body(method, path), headers=group.headers(key)
    )


async def _register(group: Group, provider_id: str, legal_entity: str | None) -> httpx.Response:
    """A registration by the other entity's key, for `legal_entity`."""
    body = {**_body("POST", "/v1/providers"), "id": provider_id, "legal_entity": legal_entity}
    return await group.gateway.client.post(
        "/v1/providers", json=body, headers={"Authorization": f"Bearer {group.theirs}"}
    )


async def test_every_route_is_placed_in_the_matrix(group: Group) -> None:
    app = group.gateway.client._transport.app  # type: ignore[attr-defined]
    placed = (
        NOT_FOUND
        | GROUP_WIDE_ONLY
        | FILTERED
        | OUT_OF_SCOPE
        | SIGNED_BY_PROVIDERS
        | PROVIDERS_ONLY
        | DISCOVERY
        | PUBLIC
    )
    unplaced = set(every_route(app)) - placed
    assert not unplaced, f"routes not yet in the legal-entity matrix: {sorted(unplaced)}"


async def test_another_entitys_key_learns_nothing_on_any_route(group: Group) -> None:
    secrets = (group.referral.reference, str(group.referral.id), group.referral.complaint_id)
    for method, path in sorted(NOT_FOUND):
        theirs = await _as(group, group.theirs, method, path)
        assert theirs.status_code == 404, (method, path, theirs.text)
        assert theirs.headers["content-type"].startswith("application/problem+json")
        assert not any(s in theirs.text for s in secrets[1:]), (method, path)
        # The same answer as for what does not exist at all.
        missing = await group.gateway.client.request(
            method,
            path.replace("{referral_id}", "no-such-referral")
            .replace("{provider_id}", "no-such-provider")
            .replace("{action}", "status"),
            json=_body(method, path),
            headers=group.headers(group.theirs),
        )
        assert missing.status_code == 404
        assert missing.json()["type"] == theirs.json()["type"]
    for method, path in sorted(GROUP_WIDE_ONLY):
        theirs = await _as(group, group.theirs, method, path)
        assert theirs.status_code == 403, (method, path, theirs.text)
        assert theirs.json()["type"].endswith("group-wide-only")
        assert "group-wide" in theirs.json()["detail"]
    for method, path in sorted(FILTERED):
        theirs = await _as(group, group.theirs, method, path)
        assert theirs.status_code == 200
        assert group.provider_id not in theirs.text
    for method, path in sorted(OUT_OF_SCOPE):
        theirs = await _as(group, group.theirs, method, path)
        assert theirs.status_code == 403, theirs.text
        assert OURS in theirs.json()["detail"] and THEIRS in theirs.json()["detail"]
    for method, path in sorted(PROVIDERS_ONLY):
        theirs = await _as(group, group.theirs, method, path)
        assert theirs.status_code == 403, (method, path, theirs.text)
        assert not any(s in theirs.text for s in secrets[1:]), (method, path)
    for method, path in sorted(PUBLIC | DISCOVERY):
        theirs = await _as(group, group.theirs, method, path)
        assert theirs.status_code < 500
        assert not any(s in theirs.text for s in secrets), (method, path)


async def test_the_entitys_own_key_and_a_group_wide_key_see_its_referral(group: Group) -> None:
    for key in (group.ours, group.gateway.keys[Role.ADMIN]):
        response = await _as(group, key, "GET", "/v1/referrals/{referral_id}")
        assert response.status_code == 200, response.text
        assert response.json()["legal_entity"] == OURS
        provider = await _as(group, key, "GET", "/v1/providers/{provider_id}")
        assert provider.status_code == 200
    nothing_changed = group.gateway.referral(group.referral)
    assert nothing_changed.version == group.referral.version  # redeliver above was refused


async def test_a_group_wide_provider_is_seen_by_every_entity_and_changed_by_none(
    group: Group,
) -> None:
    client, admin = group.gateway.client, group.gateway.keys[Role.ADMIN]
    registered = await client.post(
        "/v1/providers",
        json={
            "id": "group-arbiter",
            "name": "The group's arbiter",
            "methods": ["arbitration"],
            "adapter": "email",
            "adapter_settings": {"to": "cases@arbiter.example"},
        },
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["legal_entity"] is None  # a group-wide key's: group-wide
    for key in (group.ours, group.theirs):
        listed = await client.get("/v1/providers", headers={"Authorization": f"Bearer {key}"})
        assert "group-arbiter" in [p["id"] for p in listed.json()]
        changed = await client.patch(
            "/v1/providers/group-arbiter",
            json={"active": False},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert changed.status_code == 403
        assert changed.json()["type"].endswith("group-wide-provider")
    scoped_group_wide = await _register(group, "wide", None)
    assert scoped_group_wide.status_code == 403
    assert scoped_group_wide.json()["type"].endswith("group-wide-provider")
    own = await _register(group, "globex-own", THEIRS)
    assert own.status_code == 201, own.text
    assert own.json()["legal_entity"] == THEIRS


async def test_a_case_is_never_delivered_to_another_entitys_provider(group: Group) -> None:
    """Even a referral prepared for it (by code from before entities, or by hand) is dead-
    lettered rather than handed to a provider that serves another entity."""
    referral = group.gateway.prepared_referral(group.provider_id, THEIRS)
    for _ in range(200):
        current = group.gateway.referral(referral)
        if current.delivery == "dead_lettered":
            break
        await asyncio.sleep(0.05)
    assert current.delivery == "dead_lettered", current.attempts
    assert current.dead_letter is not None
    assert "serves legal entity 'acme-uk' only" in current.dead_letter["reason"]
