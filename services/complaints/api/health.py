"""/healthz (the process answers) and /readyz (the database answers, the projection, the
deadline scheduler and the followers run)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _loop_check(runner: Any) -> str:
    if runner.last_error:
        return f"failing: {runner.last_error[:200]}"
    return "running" if runner.is_running else "stopped"


@router.get("/readyz", summary="The database is reachable and the background work runs")
def readyz(request: Request) -> JSONResponse:
    service = request.app.state.service
    checks: dict[str, Any] = {}
    try:
        with service.read_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"unreachable: {type(error).__name__}"
    checks["projection"] = _loop_check(service.projection_runner)
    checks["scheduler"] = (
        _loop_check(service.scheduler_runner) if service.settings.scheduler_enabled else "off"
    )
    followers = {f.name: f.status().as_dict() for f in service.followers}
    if followers:
        checks["followers"] = followers
    ready = (
        checks["database"] == "ok"
        and checks["projection"] == "running"
        and checks["scheduler"] in ("running", "off")
        and all(f["running"] for f in followers.values())
    )
    if ready:
        try:
            checks["projection_lag"] = service.projector.lag()
            checks["timers_due"] = service.scheduler.due_count()
        except Exception:
            checks["projection_lag"] = "unknown"
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers={} if ready else {"Retry-After": "5"},
    )
