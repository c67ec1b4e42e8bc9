"""The client with which the ADR gateway and the notifications service ask the deployment's
key authority (the complaints service) about an API key they do not hold themselves.

One key works on every service because every service can ask the one store that issued it:
`POST /v1/keys/introspect` on the complaints service (RFC 7662, token introspection),
called with this service's own `service` key. The answer is turned into the `Principal` the
routes use (role, legal entity, the one service it may be limited to).

Answers are cached by the service's `KeyRing` (`key_cache.py`): good keys and refused keys
in separate, bounded tables, so that a flood of junk keys evicts only other junk, for
`REDRESS_KEY_CACHE_SECONDS` (default 5). That TTL is the documented bound on how long a key
revoked at the authority may still be accepted by another service; the authority itself
answers from its store, not from a cache, so the bound does not add up across services.

If the authority cannot be asked (refused connection, timeout, an answer that is not an
introspection), the request is answered 503 `identity-unavailable` with `Retry-After`: the
key may well be good, so it is neither a 401 nor cached as refused. After a failure the
client does not call again for `PAUSE_SECONDS`, so that requests arriving during an outage
are answered at once rather than each waiting for a timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from eventsourcing.application import Application
from pydantic import BaseModel, Field

from libs.domain.values import Role
from libs.platform.http.auth import KeyRing, Principal
from libs.platform.http.problems import Problem

INTROSPECTION_PATH = "/v1/keys/introspect"


class KeyAuthoritySettings(BaseModel):
    """The settings of a service that asks the key authority about keys, shared by the
    settings classes of the ADR gateway and notifications (as `SmtpSettings` is)."""

    key_cache_seconds: float = Field(
        5.0,
        ge=0,
        le=300,
        description="How long a verified or refused API key is remembered: the bound on how "
        "long a revoked key may still work on this service",
    )
    key_authority_url: str | None = Field(
        None,
        description="The key authority asked about keys this service does not hold "
        "(POST /v1/keys/introspect; default: REDRESS_COMPLAINTS_URL)",
    )
    key_authority_api_key: str | None = Field(
        None,
        description="The `service` key it is asked with (default: REDRESS_COMPLAINTS_API_KEY)",
    )


TIMEOUT_SECONDS = 3.0
#: After a failed call, how long requests are answered 503 without trying again.
PAUSE_SECONDS = 1.0


class IdentityUnavailable(Problem):
    def __init__(self, authority: str, reason: str) -> None:
        super().__init__(
            503,
            "identity-unavailable",
            "The key authority is unavailable",
            f"this service checks API keys it does not hold with the key authority "
            f"({authority}), which cannot be asked now ({reason}); the key was neither "
            "accepted nor refused: retry shortly",
            headers={"Retry-After": str(max(1, round(PAUSE_SECONDS)))},
            authority=authority,
        )


class KeyAuthorityClient:
    """Introspects keys at `url` (the complaints service), authenticating with `api_key`."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        timeout: float = TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )
        self._clock = clock
        self._paused_until = 0.0
        self._lock = threading.Lock()
        #: Calls made to the authority (cache misses of keys this service does not hold).
        self.calls = 0

    def introspect(self, secret: str) -> Principal | None:
        """The key's principal, None if the authority says it is not active; raises
        `IdentityUnavailable` if the authority cannot say."""
        with self._lock:
            if self._clock() < self._paused_until:
                raise IdentityUnavailable(self.url, "it failed a moment ago")
            self.calls += 1
        try:
            response = self._client.post(INTROSPECTION_PATH, json={"token": secret})
        except httpx.HTTPError as error:
            raise self._failed(f"{type(error).__name__}: {error}") from None
        if response.status_code != 200:
            raise self._failed(f"it answered {response.status_code} to introspection")
        try:
            return _principal_of(response.json())
        except (ValueError, KeyError, TypeError):
            raise self._failed("its answer is not an introspection response") from None

    def _failed(self, reason: str) -> IdentityUnavailable:
        with self._lock:
            self._paused_until = self._clock() + PAUSE_SECONDS
        return IdentityUnavailable(self.url, reason)

    def close(self) -> None:
        self._client.close()


def _principal_of(answer: dict[str, Any]) -> Principal | None:
    if answer["active"] is not True:
        return None
    try:
        role = Role(answer["role"])
    except ValueError:
        return None  # a role this service does not know grants nothing here
    return Principal(
        key_id=str(answer["key_id"]),
        name=str(answer.get("name") or answer["key_id"]),
        role=role,
        legal_entity=answer.get("legal_entity"),
        service=answer.get("service"),
        provider_id=answer.get("provider_id"),
    )


def key_authority(url: str | None, api_key: str | None) -> KeyAuthorityClient | None:
    """The client for a service linked to the complaints service, else None (it then
    accepts only the keys of its own store)."""
    return KeyAuthorityClient(url, api_key) if url and api_key else None


def service_keyring(application: Application, settings: Any, service: str) -> KeyRing:
    """The key ring of `service` (not the authority): its own store's keys, and the
    authority's through introspection when the service is linked to it
    (`REDRESS_KEY_AUTHORITY_URL`, else `REDRESS_COMPLAINTS_URL`, with its API key)."""
    url = settings.key_authority_url or settings.complaints_url
    api_key = settings.key_authority_api_key or settings.complaints_api_key
    return KeyRing(
        application,
        service=service,
        authority=key_authority(url, api_key),
        cache_seconds=settings.key_cache_seconds,
    )
