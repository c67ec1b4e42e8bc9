"""Bearer API keys with roles, checked on every route.

Keys live as `ApiKey` aggregates in the service's own event store. A verified key is cached
for a few seconds so that a busy client costs one hash, not one query, per request; a
revocation therefore takes effect within `CACHE_SECONDS`.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from libs.domain.access import ApiKey, api_key_id_for, digest_of
from libs.domain.values import Role
from libs.platform.http.problems import Problem
from libs.platform.runtime.secrets import new_secret

CACHE_SECONDS = 5.0
KEY_PREFIX = "rdk_"

#: Declares the bearer scheme in the OpenAPI document (`securitySchemes`, and `security` on
#: every operation that needs a key: the Authorize button of /docs). It refuses nothing
#: itself: `authenticate` reads the header and gives the reasons.
BEARER = HTTPBearer(
    scheme_name="apiKey",
    bearerFormat="rdk_...",
    description="An API key from `redress keys create`, sent as `Authorization: Bearer <key>`",
    auto_error=False,
)


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: Role

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.name}"


class KeyRing:
    """Issues, revokes and verifies the API keys of one service."""

    def __init__(self, application: Application, clock: Callable[[], float] = time.monotonic):
        self._application = application
        self._clock = clock
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def issue(self, *, role: Role, name: str, issued_by: str = "cli") -> tuple[ApiKey, str]:
        secret = new_secret(KEY_PREFIX)
        key = ApiKey.issue(secret=secret, name=name, role=role.value, issued_by=issued_by)
        self._application.save(key)
        return key, secret

    def revoke(self, key_id: UUID, *, revoked_by: str = "cli") -> ApiKey:
        key = self._application.repository.get(key_id)
        if not isinstance(key, ApiKey):
            raise AggregateNotFoundError(key_id)
        key.revoke(revoked_by=revoked_by)
        self._application.save(key)
        with self._lock:
            self._cache.clear()
        return key

    def verify(self, secret: str) -> Principal | None:
        digest = digest_of(secret)
        cached = self._cached(digest)
        if cached is not None:
            return cached[0]
        principal = self._load(secret, digest)
        now = self._clock()
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now + CACHE_SECONDS, principal)
        return principal

    def verify_cached(self, secret: str) -> tuple[Principal | None] | None:
        """The answer `verify` would give, if it is cached: no database, so callers on the
        event loop can ask first and go to a worker thread only on a miss."""
        return self._cached(digest_of(secret))

    def _cached(self, digest: str) -> tuple[Principal | None] | None:
        with self._lock:
            cached = self._cache.get(digest)
        if cached is None or cached[0] <= self._clock():
            return None
        return (cached[1],)

    def _load(self, secret: str, digest: str) -> Principal | None:
        try:
            key = self._application.repository.get(api_key_id_for(secret))
        except AggregateNotFoundError:
            return None
        if not isinstance(key, ApiKey) or not key.is_active:
            return None
        if not hmac.compare_digest(key.secret_sha256, digest):
            return None
        return Principal(key_id=str(key.id), name=key.name, role=Role(key.role))


def _unauthenticated(detail: str) -> Problem:
    return Problem(
        401,
        "unauthenticated",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="redress"'},
    )


async def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise _unauthenticated("send an API key as 'Authorization: Bearer <key>'")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthenticated("the Authorization header must be 'Bearer <key>'")
    keyring: KeyRing = request.app.state.keyring
    secret = token.strip()
    # Answered from memory nearly always; only a key not seen lately costs a worker thread.
    cached = keyring.verify_cached(secret)
    principal = cached[0] if cached is not None else await run_in_threadpool(keyring.verify, secret)
    if principal is None:
        raise _unauthenticated("the API key is unknown or revoked")
    request.state.principal = principal
    return principal


def require_roles(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency admitting only the given roles (401 without a key, 403 otherwise).

    It is a coroutine because FastAPI runs plain functions in its threadpool: a hop per
    dependency per request, for work that never blocks.
    """
    allowed = frozenset(roles)
    names = ", ".join(sorted(r.value for r in allowed))

    async def dependency(
        request: Request,
        _declared: HTTPAuthorizationCredentials | None = Security(BEARER),
    ) -> Principal:
        principal = await authenticate(request)
        if principal.role not in allowed:
            raise Problem(
                403,
                "forbidden",
                "Forbidden",
                f"the role '{principal.role.value}' may not do this (allowed: {names})",
                required_roles=sorted(r.value for r in allowed),
            )
        return principal

    return dependency


WRITERS: tuple[Role, ...] = (Role.CRM, Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
DECIDERS: tuple[Role, ...] = (Role.SUPERVISOR, Role.ADMIN)
READERS: tuple[Role, ...] = (*WRITERS, Role.AUDITOR, Role.SERVICE)
