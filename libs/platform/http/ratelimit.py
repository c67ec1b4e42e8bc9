"""Rate limits, answered with 429, `Retry-After` and a problem document.

Every request (health and metrics aside) is charged to exactly one bucket:

- a request with a valid API key: the key's bucket, keyed by the key's id (the authenticated
  principal), however the `Authorization` header spells it (`auth.presented_secret`);
- a request with an unknown or revoked key: its client address's bucket of failed
  authentications (`REDRESS_AUTH_FAILURES_PER_MINUTE`, in bursts of
  `REDRESS_AUTH_FAILURES_BURST`). While that bucket is empty, a key that has never
  authenticated in this process is refused at once, without a database lookup: a flood of
  junk keys costs no queries, while a key in use from the same address (a shared NAT) is
  still checked and served;
- a request with no key (signed links, survey pages, webhooks): its address's bucket, at
  the per-key rate.

The client address is the one the ASGI server hands on (`scope["client"]`): the socket
peer, or — only when that peer is a proxy uvicorn trusts (`FORWARDED_ALLOW_IPS`, by default
127.0.0.1 and ::1) — the client it names in `X-Forwarded-For`. IPv6 addresses are counted
by their /64 prefix, the block one subscriber is given (RFC 6177), so that a client cannot
take a fresh bucket per address of its own block.

Buckets live in the process, so with N replicas a key may make up to N times the rate in
total; that bounds abuse without a shared store on the hot path.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from libs.platform.http.auth import KEY_VERDICT, KeyRing, Principal, presented_secret
from libs.platform.http.problems import Problem, send_problem

MAX_TRACKED_CLIENTS = 50_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    def __init__(
        self, rate_per_second: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Takes a token; returns 0 if allowed, else the seconds until one is available."""
        with self._lock:
            bucket = self._refilled(client)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate

    def wait(self, client: str) -> float:
        """The seconds until `client` may take a token (0: now), without taking one."""
        with self._lock:
            bucket = self._refilled(client)
            return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate

    def _refilled(self, client: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
            self._buckets[client] = bucket
            if len(self._buckets) > MAX_TRACKED_CLIENTS:
                # The least recently used: a client still sending keeps its (empty) bucket.
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket


class RateLimit:
    """ASGI middleware; health and metrics endpoints are never limited."""

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(
        self,
        app: ASGIApp,
        keyring: KeyRing | None,
        rate_per_second: float,
        burst: int,
        auth_failures_per_minute: float = 0.0,
        auth_failures_burst: int = 1,
    ) -> None:
        self.app = app
        self.keyring = keyring
        self.requests = TokenBuckets(rate_per_second, burst) if rate_per_second > 0 else None
        self.failures = (
            TokenBuckets(auth_failures_per_minute / 60, auth_failures_burst)
            if auth_failures_per_minute > 0
            else None
        )
        self.enabled = keyring is not None and (self.requests or self.failures) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.enabled and scope["type"] == "http" and scope["path"] not in self.EXEMPT:
            problem = await self._refusal(scope)
            if problem is not None:
                await send_problem(send, problem, scope.get("path"))
                return
        await self.app(scope, receive, send)

    async def _refusal(self, scope: Scope) -> Problem | None:
        assert self.keyring is not None
        secret = _secret_in(scope)
        if secret is None:
            return self._charge_address(client_address(scope))
        verdict = self.keyring.verify_cached(secret)
        if verdict is None:  # not seen lately: a lookup, unless this address has failed enough
            address = client_address(scope)
            if (
                self.failures is not None
                and (wait := self.failures.wait(address)) > 0
                and not self.keyring.was_good(secret)  # a key in use is checked again
            ):
                return self._too_many_failures(address, wait)
            try:
                verdict = (await run_in_threadpool(self.keyring.verify, secret),)
            except Exception:
                # The database is away: the route meets the same error and answers it (503)
                # as it would without limits; nothing is decided here.
                return None
        scope.setdefault("state", {})[KEY_VERDICT] = verdict
        principal = verdict[0]
        if principal is None:
            return self._charge_failure(client_address(scope))  # else the route answers 401
        return self._charge_key(principal)

    def _charge_key(self, principal: Principal) -> Problem | None:
        if self.requests is None or (wait := self.requests.take("key:" + principal.key_id)) <= 0:
            return None
        return self._rate_limited(
            wait, "key", "this API key is sending requests too fast", key_id=principal.key_id
        )

    def _charge_address(self, address: str) -> Problem | None:
        if self.requests is None or (wait := self.requests.take("addr:" + address)) <= 0:
            return None
        detail = f"requests without an API key from this address ({address}) come too fast"
        return self._rate_limited(wait, "address", detail, address=address)

    def _charge_failure(self, address: str) -> Problem | None:
        if self.failures is None or (wait := self.failures.take(address)) <= 0:
            return None
        return self._too_many_failures(address, wait)

    def _rate_limited(self, wait: float, scope: str, detail: str, **about: str) -> Problem:
        assert self.requests is not None
        retry_after = max(1, math.ceil(wait))
        return Problem(
            429,
            "rate-limited",
            "Too many requests",
            f"{detail} (REDRESS_RATE_LIMIT_PER_SECOND={self.requests.rate:g}, in bursts of up "
            f"to REDRESS_RATE_LIMIT_BURST={self.requests.burst}); retry after {retry_after} s",
            headers={"Retry-After": str(retry_after)},
            limit_scope=scope,
            **about,
            setting="REDRESS_RATE_LIMIT_PER_SECOND",
            retry_after=retry_after,
        )

    def _too_many_failures(self, address: str, wait: float) -> Problem:
        assert self.failures is not None
        retry_after = max(1, math.ceil(wait))
        per_minute = self.failures.rate * 60
        return Problem(
            429,
            "too-many-failed-authentications",
            "Too many failed authentications",
            f"this address ({address}) has presented too many unknown or revoked API keys "
            f"(REDRESS_AUTH_FAILURES_PER_MINUTE={per_minute:g}, in bursts of up to "
            f"REDRESS_AUTH_FAILURES_BURST={self.failures.burst}); until then a key this "
            f"service has not seen authenticate is not checked: retry after {retry_after} s",
            headers={"Retry-After": str(retry_after)},
            limit_scope="address",
            address=address,
            setting="REDRESS_AUTH_FAILURES_PER_MINUTE",
            retry_after=retry_after,
        )


def _secret_in(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            return presented_secret(value.decode("latin-1"))
    return None


def client_address(scope: Scope) -> str:
    """The address limits are counted against: an IPv4 address, or an IPv6 /64 prefix."""
    client = scope.get("client")
    if not client:
        return "unknown"  # a Unix socket: one peer, the proxy in front
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return str(client[0])  # a name a test transport made up; counted as given
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
