"""Dependencies shared by the notifications service's routers."""

from __future__ import annotations

from fastapi import Depends, Request

from libs.domain.values import Role
from libs.platform.http.auth import require_roles
from libs.platform.http.problems import problem_responses
from services.notifications.bootstrap import NotificationsService


async def service(request: Request) -> NotificationsService:
    return request.app.state.service  # type: ignore[no-any-return]


# Who may read what was sent: staff, auditors, and other services.
Reader = Depends(require_roles(Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.SERVICE))
Service = Depends(service)
READ_PROBLEMS = problem_responses(400, 401, 403, 422)
