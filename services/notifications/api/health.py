"""/healthz (the process answers) and /readyz (database, followers and dispatcher)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

from libs.platform.http.health import (
    database_check,
    follower_checks,
    followers_running,
    health_router,
    readiness,
)


def readyz(request: Request) -> JSONResponse:
    service = request.app.state.service
    runner = service.dispatcher_runner
    followers = follower_checks(service.followers)
    checks: dict[str, object] = {"database": database_check(service.engine)}
    checks["followers"] = followers
    checks["dispatcher"] = "running" if runner.is_running else "stopped"
    if runner.last_error:
        checks["dispatcher_error"] = runner.last_error[:200]
    ready = checks["database"] == "ok" and followers_running(followers) and runner.is_running
    return readiness(checks, ready)


router = health_router(readyz, "The database answers and the followers and dispatcher run")
