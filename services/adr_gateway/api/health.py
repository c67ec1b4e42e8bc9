"""/healthz (the process answers) and /readyz (database reachable, followers running)."""

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
    followers = follower_checks(service.followers)
    checks: dict[str, object] = {"database": database_check(service.engine)}
    checks["followers"] = followers
    checks["worker"] = "running" if service.worker.is_running else "stopped"
    ready = (
        checks["database"] == "ok" and followers_running(followers) and service.worker.is_running
    )
    return readiness(checks, ready)


router = health_router(readyz, "The database answers and the followers and worker run")
