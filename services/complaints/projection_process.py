"""The complaint list's projection as a process of its own:
`redress serve complaints-projection` (port 8004), beside `redress serve complaints` started
with `REDRESS_PROJECTION_IN_PROCESS=false`. `redress up` and deploy/ run it this way.

Folding events into list rows and deadline timers costs about a fifth of the API process's
interpreter time under write load (docs/benchmarks.md); here it runs on another core and
off the request path. Nothing else changes: the list still catches up before it answers,
so a client reads its own writes, and two projectors (or a projector and the API's own
catch-up) race safely on the compare-and-set position.

It reads the same settings as the complaints service (the deadline policy shapes the
timers) and serves `/healthz`, `/readyz` (database, projection loop, lag) and `/metrics`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from libs.platform.http.health import database_check, health_router, loop_check, readiness
from libs.platform.http.service_app import service_app
from libs.platform.runtime.metrics import GaugeCollector
from libs.platform.sql.database import create_read_model_engine
from services.complaints.application import ComplaintsApplication
from services.complaints.bootstrap import list_projection, migrate
from services.complaints.entry import ENTRY as COMPLAINTS
from services.complaints.policy import ComplaintPolicy
from services.complaints.readmodel.projector import ComplaintListProjector
from services.complaints.readmodel.runner import ProjectionRunner
from services.complaints.settings import ComplaintsSettings

# Reads in pages and writes in batches: two read-model connections are all it uses.
POOL_SIZE = 2


@dataclass
class ProjectionService:
    settings: ComplaintsSettings
    application: ComplaintsApplication
    read_engine: Engine
    projector: ComplaintListProjector
    runner: ProjectionRunner
    keyring: None = None  # it serves no API
    followers: list[Any] = field(default_factory=list)

    def start(self) -> None:
        self.runner.start()

    def rebuild_read_models(
        self, progress: Callable[[int, int], None] | None = None, processes: int | None = None
    ) -> int:
        return self.projector.rebuild(progress, processes)

    def stop(self) -> None:
        self.runner.stop()
        self.application.close()
        self.read_engine.dispose()


def bootstrap_projection(settings: ComplaintsSettings | None = None) -> ProjectionService:
    settings = settings or ComplaintsSettings()
    if settings.migrate_on_start:
        migrate(settings)
    application = COMPLAINTS.application(settings)
    engine = create_read_model_engine(settings.database_url, pool_size=POOL_SIZE)
    policy = ComplaintPolicy.from_settings(settings)
    projector, runner = list_projection(
        settings, application, engine, policy, fold_capacity=settings.projection_cache_size
    )
    return ProjectionService(settings, application, engine, projector, runner)


def readyz(request: Request) -> JSONResponse:
    service: ProjectionService = request.app.state.service
    checks: dict[str, Any] = {
        "database": database_check(service.read_engine),
        "projection": loop_check(service.runner),
    }
    ready = checks["database"] == "ok" and checks["projection"] == "running"
    if ready:
        try:
            checks["projection_lag"] = service.projector.lag()
        except Exception:
            checks["projection_lag"] = "unknown"
    return readiness(checks, ready)


def create_projection_app(service: ProjectionService | None = None) -> FastAPI:
    service = service or bootstrap_projection()
    return service_app(
        service,
        title="Redress — complaint list projection",
        summary="Keeps the complaint list and deadline timers in step with the event log.",
        engine=service.read_engine,
        routers=[health_router(readyz, "The database answers and the projection runs")],
        collectors=[
            GaugeCollector(
                "projection",
                "redress_projection_lag_events",
                "Events not yet projected into the complaint list",
                service.projector.lag,
            )
        ],
    )


# The complaints service's parts (settings, migrations, key store), built and served as
# the projection.
ENTRY = replace(COMPLAINTS, bootstrap=bootstrap_projection, create_app=create_projection_app)
