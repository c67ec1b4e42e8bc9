"""The health endpoints every service serves, with one shape and one set of status codes:
`/healthz` (the process answers) and `/readyz` (what the service depends on answers).

A service supplies only its own readiness checks; the database probe, the followers'
status and the response are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from libs.platform.follower import Follower

NOT_READY_RETRY_SECONDS = "5"


def probe(engine: Engine) -> None:
    """Raises unless the database answers a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def database_check(engine: Engine) -> str:
    try:
        probe(engine)
    except Exception as error:
        return f"unreachable: {type(error).__name__}"
    return "ok"


def follower_checks(followers: Iterable[Follower]) -> dict[str, dict[str, object]]:
    return {follower.name: follower.status().as_dict() for follower in followers}


def followers_running(checks: dict[str, dict[str, object]]) -> bool:
    return all(status["running"] for status in checks.values())


def loop_check(runner: Any) -> str:
    """A background loop's state: running, stopped, or failing with its last error."""
    if runner.last_error:
        return f"failing: {runner.last_error[:200]}"
    return "running" if runner.is_running else "stopped"


def readiness(checks: dict[str, Any], ready: bool) -> JSONResponse:
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
        headers={} if ready else {"Retry-After": NOT_READY_RETRY_SECONDS},
    )


def health_router(readyz: Callable[[Request], JSONResponse], summary: str) -> APIRouter:
    """`/healthz`, and `/readyz` answered by `readyz` (a plain function: its checks block)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="The process is alive")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    router.add_api_route("/readyz", readyz, methods=["GET"], summary=summary)
    return router
