"""Request metrics for `/metrics`: rate, status class, latency and payload size by route.

The families are those operators know from prometheus-fastapi-instrumentator, which this
replaced: `http_requests_total{method,status,handler}`, `http_request_duration_seconds`
(`handler`, `method`; nine buckets), `http_request_duration_highr_seconds` (no labels; many
buckets), `http_request_size_bytes` and `http_response_size_bytes` (`handler`). That
library matched every request against the whole route table a second time to name its
route; here the route is read from the scope after the router has matched it, so the
middleware costs a few microseconds instead of a sixth of a write's CPU.

With `REDRESS_METRICS_TOKEN` set, a scrape must send it as `Authorization: Bearer <token>`
(401 otherwise): route names, request rates and follower positions are not for everyone
who can reach the API. Unset, `/metrics` is open, for a deployment that keeps it off the
public network instead (docs/operations.md, "/metrics").
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from time import perf_counter

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Summary,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from libs.platform.http.problems import Problem
from libs.platform.runtime.metrics import counted_in_files

UNMATCHED = "none"  # requests no route matched: one label value, not one per probed path
# Enough resolution around the 50 ms p99 objective, few enough to label by route.
ROUTE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
ALL_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5, 4)
ALL_BUCKETS += (4.5, 5, 7.5, 10, 30, 60)


class RequestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "http_requests_total",
            "Requests by method, status class and route.",
            ("method", "status", "handler"),
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Latency by route and method (a few buckets, for SLIs).",
            ("handler", "method"),
            buckets=ROUTE_BUCKETS,
            registry=registry,
        )
        self.latency_highr = Histogram(
            "http_request_duration_highr_seconds",
            "Latency of every request (many buckets: for percentiles).",
            buckets=ALL_BUCKETS,
            registry=registry,
        )
        self.request_size = Summary(
            "http_request_size_bytes",
            "Content-Length of requests by route.",
            ("handler",),
            registry=registry,
        )
        self.response_size = Summary(
            "http_response_size_bytes",
            "Bytes of responses by route.",
            ("handler",),
            registry=registry,
        )


class HttpMetricsMiddleware:
    """Pure ASGI: nothing is built per request beyond a closure for `send`."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics, excluded: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.excluded = frozenset(excluded)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500
        sent = 0

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            self._observe(scope, status, sent, perf_counter() - started)

    def _observe(self, scope: Scope, status: int, sent: int, seconds: float) -> None:
        route = scope.get("route")
        handler = getattr(route, "path", None) or UNMATCHED
        if handler in self.excluded:
            return
        method = scope["method"]
        metrics = self.metrics
        metrics.requests.labels(method, f"{str(status)[0]}xx", handler).inc()
        metrics.latency.labels(handler, method).observe(seconds)
        metrics.latency_highr.observe(seconds)
        metrics.response_size.labels(handler).observe(sent)
        length = _content_length(scope)
        if length is not None:
            metrics.request_size.labels(handler).observe(length)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def instrument(
    app: FastAPI,
    registry: CollectorRegistry,
    path: str = "/metrics",
    token: str | None = None,
) -> None:
    """Counts every request except scrapes, and serves the registry at `path` (to those
    who send `token` as a bearer, when there is one).

    Among several workers the counts go to prometheus_client's files, which `registry`
    then reports summed (`metrics.sum_of_workers`), so they are not registered in it too.
    """
    counted_in = CollectorRegistry() if counted_in_files() else registry
    app.add_middleware(HttpMetricsMiddleware, metrics=RequestMetrics(counted_in), excluded=[path])

    @app.get(path, include_in_schema=False)
    def metrics(request: Request) -> Response:
        if token and not _bearer_is(request.headers.get("authorization", ""), token):
            raise Problem(
                401,
                "metrics-unauthorized",
                "Metrics need the metrics token",
                "Send REDRESS_METRICS_TOKEN as 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def _bearer_is(header: str, token: str) -> bool:
    scheme, _, credentials = header.strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credentials.strip().encode(), token.encode()
    )
