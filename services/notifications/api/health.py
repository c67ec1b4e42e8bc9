"""/healthz (the process answers) and /readyz (database, followers and dispatcher)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers and the followers and dispatcher run")
def readyz(request: Request) -> JSONResponse:
    service = request.app.state.service
    checks: dict[str, object] = {}
    try:
        with service.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"unreachable: {type(error).__name__}"
    followers = {f.name: f.status().as_dict() for f in service.followers}
    checks["followers"] = followers
    runner = service.dispatcher_runner
    checks["dispatcher"] = "running" if runner.is_running else "stopped"
    if runner.last_error:
        checks["dispatcher_error"] = runner.last_error[:200]
    ready = (
        checks["database"] == "ok"
        and all(f["running"] for f in followers.values())
        and runner.is_running
    )
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers={} if ready else {"Retry-After": "5"},
    )
