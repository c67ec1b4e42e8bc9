"""Per-API-key rate limits: a token bucket per key, answered with 429 and `Retry-After`.

Buckets live in the process, so with N replicas a key may make up to N times the rate in
total; that bounds abuse without a shared store on the hot path. Requests without a valid
key are limited per client address instead, so a flood of bad keys is throttled too.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

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
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                bucket = _Bucket(float(self.burst), now)
                self._buckets[client] = bucket
                if len(self._buckets) > MAX_TRACKED_CLIENTS:
                    self._buckets.popitem(last=False)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


class RateLimit:
    """ASGI middleware; health and metrics endpoints are never limited."""

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(self, app: ASGIApp, rate_per_second: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate_per_second, burst)
        self.enabled = rate_per_second > 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http" or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(_client_of(scope))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = str(max(1, math.ceil(wait)))
        problem = Problem(
            429,
            "rate-limited",
            "Too many requests",
            f"this API key is sending requests too fast; retry after {retry_after} s",
            headers={"Retry-After": retry_after},
        )
        await send_problem(send, problem, scope.get("path"))


def _client_of(scope: Scope) -> str:
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            # The digest of the presented credential: never keep secrets in memory as keys.
            return "key:" + hashlib.sha256(value).hexdigest()[:32]
    client = scope.get("client") or ("unknown", 0)
    return f"addr:{client[0]}"
