"""/healthz (the process answers) and /readyz (the database answers, the projection, the
deadline scheduler and the followers run)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from libs.platform.http.health import (
    database_check,
    follower_checks,
    followers_running,
    health_router,
    loop_check,
    readiness,
)


def readyz(request: Request) -> JSONResponse:
    service = request.app.state.service
    checks: dict[str, Any] = {"database": database_check(service.read_engine)}
    checks["projection"] = (
        loop_check(service.projection_runner)
        if service.settings.projection_in_process
        else "separate"  # `redress serve complaints-projection`; its lag is reported below
    )
    checks["scheduler"] = (
        loop_check(service.scheduler_runner) if service.settings.scheduler_enabled else "off"
    )
    followers = follower_checks(service.followers)
    if followers:
        checks["followers"] = followers
    ready = (
        checks["database"] == "ok"
        and checks["projection"] in ("running", "separate")
        and checks["scheduler"] in ("running", "off")
        and followers_running(followers)
    )
    if ready:
        try:
            checks["projection_lag"] = service.projector.lag()
            checks["timers_due"] = service.scheduler.due_count()
        except Exception:
            checks["projection_lag"] = "unknown"
    return readiness(checks, ready)


router = health_router(readyz, "The database is reachable and the background work runs")
