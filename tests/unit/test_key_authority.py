"""A service that is not the key authority: its own keys first, the authority for the rest,
and a clear "cannot say" (never a refusal) when the authority cannot be asked."""

from __future__ import annotations

import pytest
from eventsourcing.application import Application

from libs.domain.values import Role
from libs.platform.http.auth import KeyRing, Principal
from libs.platform.http.key_authority import (
    PAUSE_SECONDS,
    IdentityUnavailable,
    KeyAuthorityClient,
)
from tests.support.processes import free_port


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Authority:
    """The authority's key store (a real one, in memory), asked without HTTP: what
    `POST /v1/keys/introspect` answers with (`KeyRing.look_up`). The HTTP client is tried
    against a closed port below, and end to end in tests/e2e/test_one_identity.py."""

    def __init__(self) -> None:
        self.keys = KeyRing(Application(), service="complaints")
        self.asked: list[str] = []

    def introspect(self, secret: str) -> Principal | None:
        self.asked.append(secret)
        return self.keys.look_up(secret)

    def close(self) -> None:
        pass


def gateway_ring(authority: Authority, clock: FakeClock) -> KeyRing:
    return KeyRing(
        Application(), clock, service="adr_gateway", authority=authority, cache_seconds=5
    )


def test_own_keys_are_found_without_asking_the_authority() -> None:
    authority = Authority()
    ring = gateway_ring(authority, FakeClock())
    _, own = ring.issue(role=Role.SERVICE, name="complaints")

    assert ring.verify(own) is not None
    assert authority.asked == []


def test_other_keys_are_asked_about_once_per_ttl() -> None:
    clock = FakeClock()
    authority = Authority()
    key, elsewhere = authority.keys.issue(role=Role.ADMIN, name="ops", legal_entity="acme")
    ring = gateway_ring(authority, clock)

    principal = ring.verify(elsewhere)
    assert principal == Principal(str(key.id), "ops", Role.ADMIN, legal_entity="acme")
    assert ring.verify(elsewhere) == principal
    assert ring.verify("rdk_unknown") is None
    assert ring.verify("rdk_unknown") is None
    assert authority.asked == [elsewhere, "rdk_unknown"]

    authority.keys.revoke(key.id)
    assert ring.verify(elsewhere) == principal  # remembered for the TTL ...
    clock.now = 5  # ... REDRESS_KEY_CACHE_SECONDS, and no longer
    assert ring.verify(elsewhere) is None


def test_a_key_limited_to_another_service_is_not_admitted() -> None:
    ring = gateway_ring(Authority(), FakeClock())
    assert ring.admits(Principal("k", "n", Role.ADMIN))
    assert ring.admits(Principal("k", "n", Role.ADMIN, service="adr_gateway"))
    assert not ring.admits(Principal("k", "n", Role.ADMIN, service="complaints"))


def test_an_authority_that_cannot_be_asked_is_unavailable_not_a_refusal() -> None:
    clock = FakeClock()
    client = KeyAuthorityClient(f"http://127.0.0.1:{free_port()}", "rdk_service", clock=clock)
    ring = KeyRing(Application(), clock, service="notifications", authority=client)
    try:
        with pytest.raises(IdentityUnavailable) as raised:
            ring.verify("rdk_someone")
        assert raised.value.status == 503
        assert raised.value.kind == "identity-unavailable"
        # Not remembered as refused, and not asked again at once: answered 503 meanwhile.
        assert ring.verify_cached("rdk_someone") is None
        with pytest.raises(IdentityUnavailable):
            ring.verify("rdk_someone")
        assert client.calls == 1
        clock.now = PAUSE_SECONDS
        with pytest.raises(IdentityUnavailable):
            ring.verify("rdk_someone")
        assert client.calls == 2
    finally:
        ring.close()
