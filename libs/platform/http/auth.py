"""Bearer API keys with roles, checked on every route.

Keys live as `ApiKey` aggregates in an event store: the complaints service's, which is the
deployment's key authority, and (for keys issued there before) a service's own. A service
that is not the authority looks a key it does not hold up with the authority
(`key_authority.py`, RFC 7662 introspection), so one key works on every service; a key
limited to one service (`ApiKey.service`) is refused by the others with 403.

A verified key is cached for a few seconds (`REDRESS_KEY_CACHE_SECONDS`, default
`CACHE_SECONDS`) so that a busy client costs one hash, not one query or one call to the
authority, per request; a revocation therefore takes effect on every service within that
many seconds. Good keys and refused keys are cached apart (`key_cache.py`), so junk keys
cannot flush good ones.

The header is read by one function, `presented_secret`, for authentication and for the rate
limits alike (`ratelimit.py`): `bEaReR K` and `Bearer   K` are the same key `K`, counted in
one bucket.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from libs.domain.access import ApiKey, api_key_id_for, digest_of
from libs.domain.values import Role
from libs.platform.http.key_cache import KeyCache
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
    #: The legal entity the key acts for; None: every entity (a group-wide key).
    legal_entity: str | None = None
    #: The one service the key is limited to; None: every service of the deployment.
    service: str | None = None
    #: The ADR provider a `provider` key belongs to (None for every other role).
    provider_id: str | None = None

    def may_see(self, legal_entity: str) -> bool:
        """Whether this key may see what belongs to `legal_entity` (object-level
        authorisation: what it may not see is answered as not found)."""
        return self.legal_entity is None or self.legal_entity == legal_entity

    @property
    def actor(self) -> str:
        return f"{self.role.value}:{self.name}"


class KeyAuthority(Protocol):
    """Where a service looks up a key it does not hold (`key_authority.KeyAuthorityClient`)."""

    def introspect(self, secret: str) -> Principal | None: ...

    def close(self) -> None: ...


class KeyRing:
    """Issues, revokes and verifies API keys for one service.

    `service` names the service the ring guards (a key limited to another is refused there,
    see `admits`); `authority`, for a service that is not the key authority, answers for the
    keys its own store does not hold."""

    def __init__(
        self,
        application: Application,
        clock: Callable[[], float] = time.monotonic,
        *,
        service: str | None = None,
        authority: KeyAuthority | None = None,
        cache_seconds: float = CACHE_SECONDS,
    ):
        self._application = application
        self.service = service
        self.authority = authority
        self._cache: KeyCache[Principal] = KeyCache(cache_seconds, clock)
        #: Keys looked up in the event store (cache misses): what junk keys cost. Counted
        #: without a lock: exact from one thread, near enough under load.
        self.lookups = 0

    def issue(
        self,
        *,
        role: Role,
        name: str,
        issued_by: str = "cli",
        legal_entity: str | None = None,
        service: str | None = None,
        provider_id: str | None = None,
    ) -> tuple[ApiKey, str]:
        secret = new_secret(KEY_PREFIX)
        key = ApiKey.issue(
            secret=secret,
            name=name,
            role=role.value,
            issued_by=issued_by,
            legal_entity=legal_entity,
            service=service,
            provider_id=provider_id,
        )
        self._application.save(key)
        self._cache.forget(digest_of(secret))  # in case it was presented before it existed
        return key, secret

    def revoke(self, key_id: UUID, *, revoked_by: str = "cli") -> ApiKey:
        key = self._application.repository.get(key_id)
        if not isinstance(key, ApiKey):
            raise AggregateNotFoundError(key_id)
        key.revoke(revoked_by=revoked_by)
        self._application.save(key)
        self._cache.forget(key.secret_sha256)  # the digest it is cached under
        return key

    def verify(self, secret: str) -> Principal | None:
        digest = digest_of(secret)
        cached = self._cache.get(digest)
        if cached is not None:
            return cached[0]
        principal = self._load(secret, digest)
        self._cache.remember(digest, principal)
        return principal

    def verify_cached(self, secret: str) -> tuple[Principal | None] | None:
        """The answer `verify` would give, if it is cached: no database, so callers on the
        event loop can ask first and go to a worker thread only on a miss."""
        return self._cache.get(digest_of(secret))

    def was_good(self, secret: str) -> bool:
        """Whether this key was verified as good here before (the cached verdict may have
        expired): a key in use, not a guess. No database."""
        return self._cache.was_good(digest_of(secret))

    def close(self) -> None:
        if self.authority is not None:
            self.authority.close()

    def admits(self, principal: Principal) -> bool:
        """Whether a key limited to one service (if it is) may be used here."""
        return principal.service is None or principal.service == self.service

    def look_up(self, secret: str) -> Principal | None:
        """The key as this ring's store now has it (no cache): None if it is unknown or
        revoked. What the key authority answers introspection with."""
        return _principal_of(self._held(secret), digest_of(secret))

    def _held(self, secret: str) -> ApiKey | None:
        try:
            key = self._application.repository.get(api_key_id_for(secret))
        except AggregateNotFoundError:
            return None
        return key if isinstance(key, ApiKey) else None

    def _load(self, secret: str, digest: str) -> Principal | None:
        self.lookups += 1
        held = self._held(secret)
        if held is None and self.authority is not None:
            # Not one of this store's keys: the authority answers (or raises
            # `key_authority.IdentityUnavailable`, which is not cached).
            return self.authority.introspect(secret)
        return _principal_of(held, digest)


def _principal_of(key: ApiKey | None, digest: str) -> Principal | None:
    if key is None or not key.is_active:
        return None
    if not hmac.compare_digest(key.secret_sha256, digest):
        return None
    return Principal(
        key_id=str(key.id),
        name=key.name,
        role=Role(key.role),
        legal_entity=key.acts_for,
        service=key.service,
        provider_id=key.provider_id,
    )


def _unauthenticated(detail: str) -> Problem:
    return Problem(
        401,
        "unauthenticated",
        "Authentication required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="redress"'},
    )


def presented_secret(header: str) -> str | None:
    """The key in an `Authorization` header, or None if it is not `Bearer <key>`.

    RFC 9110 section 11.1: the scheme is case-insensitive; RFC 9110 section 11.4 allows one
    or more spaces before the credentials. Every spelling of one key gives the one secret."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


#: Where the rate limit leaves the verdict on the request's key (`request.state`), so the
#: route does not verify it again: `(principal,)`, or `(None,)` for a refused key.
KEY_VERDICT = "api_key_verdict"


async def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    if not header:
        raise _unauthenticated("send an API key as 'Authorization: Bearer <key>'")
    secret = presented_secret(header)
    if secret is None:
        raise _unauthenticated("the Authorization header must be 'Bearer <key>'")
    keyring: KeyRing = request.app.state.keyring
    # Answered by the rate limit, or from memory nearly always; only a key not seen lately
    # costs a worker thread.
    verdict = getattr(request.state, KEY_VERDICT, None) or keyring.verify_cached(secret)
    if verdict is None:
        verdict = (await run_in_threadpool(keyring.verify, secret),)
    principal = verdict[0]
    if principal is None:
        raise _unauthenticated("the API key is unknown or revoked")
    if not keyring.admits(principal):
        raise Problem(
            403,
            "key-for-another-service",
            "The API key is limited to another service",
            f"this key was created with `--service {principal.service}` and works only on "
            f"that service, not on {keyring.service}; use a key created without --service "
            "(it works on every service) or one limited to this one",
            key_service=principal.service,
            service=keyring.service,
        )
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
