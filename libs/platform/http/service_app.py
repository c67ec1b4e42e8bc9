"""The FastAPI app every Redress service builds the same way: one lifecycle, the HTTP
conventions of SPEC section 5, metrics, and the protections in front of the routes.

A service passes its own routers, collectors and state; the conventions stay in one place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import anyio.to_thread
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import APIRouter, Depends, FastAPI
from fastapi_offline import FastAPIOffline
from prometheus_client import CollectorRegistry
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from libs.platform.eventstore.application import discard_broken_connections
from libs.platform.follower import FollowerCollector, FollowersInFiles
from libs.platform.http import signing_keys
from libs.platform.http.availability import FailFastWhileUnavailable, StorageCircuit
from libs.platform.http.export_limit import ExportSlots
from libs.platform.http.health import probe
from libs.platform.http.json_body import JSONBody
from libs.platform.http.limits import BodySizeLimit
from libs.platform.http.media_types import accept_json_bodies_only
from libs.platform.http.metrics import instrument
from libs.platform.http.openapi_contract import (
    CORRELATION_HEADER,
    correlation_id_header,
    document_headers,
    operation_id,
)
from libs.platform.http.problems import install_problem_handlers
from libs.platform.http.ratelimit import RateLimit
from libs.platform.runtime.garbage import settle_for_serving
from libs.platform.runtime.ids import random_uuid
from libs.platform.runtime.metrics import (
    EventsAppendedCollector,
    EventsAppendedInFiles,
    counted_in_files,
    sum_of_workers,
)


class RunningService(Protocol):
    settings: Any
    application: Any
    keyring: Any
    followers: Any

    def start(self) -> None: ...

    def stop(self) -> None: ...


def _valid_correlation_id(value: str) -> bool:
    return 0 < len(value) <= 128 and value.isprintable()


def _fresh_connections(service: RunningService, engine: Engine) -> None:
    """After an outage: no request should be the one to find a connection it broke."""
    discard_broken_connections(service.application)
    engine.dispose()


def service_app(
    service: RunningService,
    *,
    title: str,
    summary: str,
    engine: Engine,
    routers: Iterable[APIRouter],
    collectors: Iterable[Collector] = (),
    state: dict[str, Any] | None = None,
) -> FastAPI:
    settings = service.settings

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Handlers block on the event store; size the threadpool for them.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        service.start()
        if follower_gauges is not None:
            follower_gauges.start()
        settle_for_serving()
        try:
            yield
        finally:
            if follower_gauges is not None:
                follower_gauges.stop()
            service.stop()

    # /docs and /redoc from assets the service serves itself (fastapi-offline ships Swagger
    # UI and ReDoc): no CDN, so they work on a machine without internet.
    app = FastAPIOffline(
        title=title,
        version="1.0.0",
        summary=summary,
        lifespan=lifespan,
        default_response_class=JSONBody,  # one JSON encoding: instants in UTC with Z
        generate_unique_id_function=operation_id,
        dependencies=[Depends(correlation_id_header)],
        swagger_ui_parameters={"persistAuthorization": True},
    )
    app.state.service = service
    app.state.settings = settings
    app.state.application = service.application
    app.state.keyring = service.keyring
    app.state.export_slots = ExportSlots.from_settings(settings)
    for name, value in (state or {}).items():
        setattr(app.state, name, value)

    install_problem_handlers(app)
    for router in routers:
        app.include_router(router)
    app.include_router(signing_keys.router)  # every service publishes the deployment key

    registry = CollectorRegistry()
    follower_gauges: FollowersInFiles | None = None
    if counted_in_files():  # one of several workers: a scrape reports them all
        sum_of_workers(registry)
        EventsAppendedInFiles(service.application)
        follower_gauges = FollowersInFiles(service.followers)
    else:
        registry.register(FollowerCollector(service.followers))
        registry.register(EventsAppendedCollector(service.application))
    for collector in collectors:
        registry.register(collector)
    instrument(app, registry, token=getattr(settings, "metrics_token", None))

    # Outermost last: fail-fast, then the rate limit (it may look a key up in the database,
    # so after fail-fast), body size, correlation id, JSON bodies only (415), the routes.
    accept_json_bodies_only(app)
    document_headers(app)  # after the 415s are documented: they carry the headers too
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name=CORRELATION_HEADER,
        validator=_valid_correlation_id,
        generator=lambda: random_uuid().hex,  # on the event loop: no system call each
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        RateLimit,
        keyring=service.keyring,
        rate_per_second=getattr(settings, "rate_limit_per_second", 0.0),
        burst=getattr(settings, "rate_limit_burst", 1),
        auth_failures_per_minute=getattr(settings, "auth_failures_per_minute", 0.0),
        auth_failures_burst=getattr(settings, "auth_failures_burst", 1),
    )
    app.state.storage_circuit = StorageCircuit(
        lambda: probe(engine),
        on_recovery=lambda: _fresh_connections(service, engine),
    )
    app.add_middleware(FailFastWhileUnavailable, circuit=app.state.storage_circuit)
    return app
