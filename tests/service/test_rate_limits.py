"""Rate limits are keyed by who is authenticated, not by how the header is spelled; failed
authentication is limited per client address; junk keys cannot flush the key cache.

Every service builds its app the same way (libs/platform/http/service_app.py), so each rule
is tried on all three."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from libs.domain.values import Role
from libs.platform.http.auth import CACHE_SECONDS, KeyRing


@dataclass
class Limited:
    app: Any
    service: Any
    path: str  # a route any key may GET

    def key(self, role: Role = Role.ADMIN) -> str:
        return str(self.service.keyring.issue(role=role, name=f"limits-{role.value}")[1])

    async def get(self, authorization: str | None, address: str = "192.0.2.10") -> httpx.Response:
        """A GET from `address`: what uvicorn hands on as the client (`scope["client"]`)."""
        headers = {} if authorization is None else {"Authorization": authorization}
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://limits.test") as client:
            return await client.get(self.path, headers=headers)

    @property
    def lookups(self) -> int:
        return int(self.service.keyring.lookups)


def _complaints(database_url: str, limits: dict[str, Any]) -> tuple[Any, Any, str]:
    from services.complaints.app import create_app
    from services.complaints.bootstrap import bootstrap
    from services.complaints.settings import ComplaintsSettings

    service = bootstrap(ComplaintsSettings(database_url=database_url, **limits))
    return service, create_app, "/v1/complaints"


def _gateway(database_url: str, limits: dict[str, Any]) -> tuple[Any, Any, str]:
    from services.adr_gateway.app import create_app
    from services.adr_gateway.bootstrap import bootstrap
    from services.adr_gateway.settings import GatewaySettings

    service = bootstrap(GatewaySettings(database_url=database_url, **limits))
    return service, create_app, "/v1/providers"


def _notifications(database_url: str, limits: dict[str, Any]) -> tuple[Any, Any, str]:
    from services.notifications.app import create_app
    from services.notifications.bootstrap import bootstrap
    from services.notifications.settings import NotificationsSettings

    service = bootstrap(NotificationsSettings(database_url=database_url, **limits))
    return service, create_app, "/v1/notifications"


SERVICES: dict[str, Callable[[str, dict[str, Any]], tuple[Any, Any, str]]] = {
    "complaints": _complaints,
    "adr_gateway": _gateway,
    "notifications": _notifications,
}


class Clock:
    """The key ring's clock, moved by hand: how long a verdict stays cached."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def limited(
    name: str, tmp_path: Path, clock: Clock | None = None, **limits: Any
) -> AsyncIterator[Limited]:
    service, create_app, path = SERVICES[name](f"sqlite:///{tmp_path / (name + '.db')}", limits)
    if clock is not None:
        service.keyring = KeyRing(service.application, clock=clock)
    try:
        yield Limited(create_app(service), service, path)
    finally:
        service.stop()


def junk(n: int) -> str:
    return f"Bearer rdk_junk{n:06d}"


@pytest.mark.parametrize("name", SERVICES)
async def test_one_key_spelled_four_ways_shares_one_bucket(name: str, tmp_path: Path) -> None:
    async with limited(name, tmp_path, rate_limit_per_second=0.01, rate_limit_burst=3) as api:
        key = api.key()
        spellings = [f"Bearer {key}", f"bEaReR {key}", f"BEARER {key}", f"Bearer   {key}"]
        answers = [await api.get(spelling) for spelling in spellings]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["type"] == "urn:redress:problem:rate-limited"
    assert refused.json()["limit_scope"] == "key"


@pytest.mark.parametrize("name", SERVICES)
async def test_an_address_sending_unknown_keys_is_refused_without_looking_them_up(
    name: str, tmp_path: Path
) -> None:
    async with limited(name, tmp_path, auth_failures_per_minute=6, auth_failures_burst=3) as api:
        failed = [await api.get(junk(n)) for n in range(3)]
        looked_up = api.lookups
        refused = [await api.get(junk(n)) for n in range(3, 103)]
        assert api.lookups == looked_up  # 100 more junk keys, not one query
    assert [r.status_code for r in failed] == [401, 401, 401]
    assert {r.status_code for r in refused} == {429}
    problem = refused[0].json()
    assert refused[0].headers["content-type"] == "application/problem+json"
    assert problem["type"] == "urn:redress:problem:too-many-failed-authentications"
    assert problem["address"] == "192.0.2.10"
    assert problem["setting"] == "REDRESS_AUTH_FAILURES_PER_MINUTE"
    # 6 a minute: the next failure is allowed 10 s after the burst is spent.
    assert refused[0].headers["retry-after"] == str(problem["retry_after"]) == "10"


async def test_failed_authentications_are_counted_per_address_and_ipv6_per_64(
    tmp_path: Path,
) -> None:
    async with limited(
        "complaints", tmp_path, auth_failures_per_minute=1, auth_failures_burst=1
    ) as api:
        first = await api.get(junk(1), address="2001:db8:1:2::1")
        same_64 = await api.get(junk(2), address="2001:db8:1:2:ffff::9")
        other_64 = await api.get(junk(3), address="2001:db8:1:3::1")
        mapped = await api.get(junk(4), address="::ffff:198.51.100.7")
        same_v4 = await api.get(junk(5), address="198.51.100.7")
    assert (first.status_code, same_64.status_code, other_64.status_code) == (401, 429, 401)
    assert same_64.json()["address"] == "2001:db8:1:2::/64"
    assert (mapped.status_code, same_v4.status_code) == (401, 429)
    assert same_v4.json()["address"] == "198.51.100.7"


async def test_from_a_blocked_address_a_key_in_use_still_works_and_a_revoked_key_counts(
    tmp_path: Path,
) -> None:
    clock = Clock()
    async with limited(
        "complaints", tmp_path, clock, auth_failures_per_minute=1, auth_failures_burst=2
    ) as api:
        good = api.key()
        revoked = api.key()
        api.service.keyring.revoke(UUID(api.service.keyring.verify(revoked).key_id))
        assert (await api.get(f"Bearer {good}")).status_code == 200
        assert (await api.get(f"Bearer {revoked}")).status_code == 401
        assert (await api.get(junk(1))).status_code == 401
        assert (await api.get(junk(2))).status_code == 429
        # A key that has authenticated here is still served (from memory, or checked again
        # once its cached verdict expires); a key never seen is refused until Retry-After.
        assert (await api.get(f"bearer {good}")).status_code == 200
        clock.now += CACHE_SECONDS + 1  # its verdict has expired: checked again
        assert (await api.get(f"bearer {good}")).status_code == 200
        fresh = api.key()
        assert (await api.get(f"Bearer {fresh}")).status_code == 429
        assert (await api.get(f"Bearer {fresh}", address="192.0.2.99")).status_code == 200


async def test_requests_without_a_key_are_limited_per_address(tmp_path: Path) -> None:
    async with limited(
        "complaints", tmp_path, rate_limit_per_second=0.01, rate_limit_burst=2
    ) as api:
        here = [await api.get(None) for _ in range(3)]
        elsewhere = await api.get(None, address="192.0.2.11")
        malformed = await api.get("Basic dXNlcjpwYXNz")  # no key: counted as no key
    assert [r.status_code for r in here] == [401, 401, 429]
    assert here[-1].json()["limit_scope"] == "address"
    assert elsewhere.status_code == 401
    assert malformed.status_code == 429


def test_junk_keys_cannot_flush_a_good_key_from_the_cache(tmp_path: Path) -> None:
    from services.complaints.bootstrap import bootstrap
    from services.complaints.settings import ComplaintsSettings

    service = bootstrap(ComplaintsSettings(database_url=f"sqlite:///{tmp_path / 'c.db'}"))
    try:
        keyring: KeyRing = service.keyring
        good = keyring.issue(role=Role.CRM, name="busy crm")[1]
        assert keyring.verify(good) is not None  # warm: one lookup
        before = keyring.lookups
        for n in range(10_500):  # past the 10,000 entries at which the old cache was cleared
            assert keyring.verify(f"rdk_junk{n:06d}") is None
        assert keyring.lookups == before + 10_500
        principal = keyring.verify(good)
        assert principal is not None and principal.name == "busy crm"
        assert keyring.lookups == before + 10_500  # served from the cache, not the database
    finally:
        service.stop()


@pytest.mark.parametrize(
    ("trusted_proxies", "counted_as"),
    [
        (None, "203.0.113.7"),  # uvicorn's default: loopback is a trusted proxy
        ("192.0.2.1", "127.0.0.1"),  # the peer is not the proxy named: X-Forwarded-For ignored
    ],
)
def test_the_address_is_the_peer_or_the_client_a_trusted_proxy_names(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    trusted_proxies: str | None,
    counted_as: str,
) -> None:
    """Served by uvicorn as `redress serve` does (proxy headers on, FORWARDED_ALLOW_IPS)."""
    from tests.support.servers import serving

    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)

    service, create_app, path = _complaints(  # the lifespan starts and stops the service
        f"sqlite:///{tmp_path / 'c.db'}",
        {"auth_failures_per_minute": 1, "auth_failures_burst": 1, "scheduler_enabled": False},
    )
    options = {} if trusted_proxies is None else {"forwarded_allow_ips": trusted_proxies}
    with serving(create_app(service), **options) as url, httpx.Client(base_url=url) as client:

        def attempt(n: int, forwarded_for: str) -> httpx.Response:
            headers = {"Authorization": junk(n), "X-Forwarded-For": forwarded_for}
            return client.get(path, headers=headers)

        first = attempt(1, "198.51.100.1, 203.0.113.7")
        second = attempt(2, "203.0.113.7")
        other = attempt(3, "203.0.113.8")
    assert (first.status_code, second.status_code) == (401, 429)
    assert second.json()["address"] == counted_as
    # Behind a trusted proxy each forwarded client has its own bucket; otherwise the header
    # changes nothing, however often it is rewritten.
    assert other.status_code == (401 if trusted_proxies is None else 429)


def test_revoking_a_key_drops_it_alone_from_the_cache(tmp_path: Path) -> None:
    from services.complaints.bootstrap import bootstrap
    from services.complaints.settings import ComplaintsSettings

    service = bootstrap(ComplaintsSettings(database_url=f"sqlite:///{tmp_path / 'c.db'}"))
    try:
        keyring: KeyRing = service.keyring
        kept = keyring.issue(role=Role.CRM, name="kept")[1]
        leaving_key, leaving = keyring.issue(role=Role.CRM, name="leaving")
        assert keyring.verify(kept) is not None and keyring.verify(leaving) is not None
        before = keyring.lookups
        keyring.revoke(leaving_key.id)
        assert keyring.verify(leaving) is None  # at once in this process: looked up again
        assert keyring.verify(kept) is not None  # still from the cache
        assert keyring.lookups == before + 1
    finally:
        service.stop()
