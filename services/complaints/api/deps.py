"""Dependencies shared by the routers: the application, the read model, the caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlalchemy import Engine

from libs.domain.values import Role
from libs.platform.http.auth import DECIDERS, READERS, WRITERS, Principal, require_roles
from libs.platform.http.idempotency import IdempotentRequest, idempotent_request
from libs.platform.http.problems import problem_responses
from services.complaints.api.commands import IF_MATCH_PATTERN, CommandRunner
from services.complaints.application import ComplaintsApplication
from services.complaints.readmodel.projector import ComplaintListProjector


async def application(request: Request) -> ComplaintsApplication:
    return request.app.state.application  # type: ignore[no-any-return]


async def read_engine(request: Request) -> Engine:
    return request.app.state.read_engine  # type: ignore[no-any-return]


async def projector(request: Request) -> ComplaintListProjector:
    return request.app.state.projector  # type: ignore[no-any-return]


Reader = Depends(require_roles(*READERS))
Writer = Depends(require_roles(*WRITERS))
Decider = Depends(require_roles(*DECIDERS))
Idempotent = Depends(idempotent_request)
App = Depends(application)


#: Declared on every write to a complaint; `commands.parse_if_match` reads it.
IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description=(
            "The complaint's ETag as you last read it: the write happens only on top of "
            "that version (else 412, nothing written). Without it, the write applies to the "
            "complaint as it now stands."
        ),
        examples=['"3"'],
        json_schema_extra={"pattern": f"^({IF_MATCH_PATTERN})$"},
    ),
]


def _runner_for(role_check: Any) -> Any:
    async def runner(
        request: Request,
        principal: Principal = role_check,
        idempotent: IdempotentRequest = Idempotent,
        app: ComplaintsApplication = App,
        _if_match: IfMatchHeader = None,
    ) -> CommandRunner:
        return CommandRunner(app, request, principal, idempotent)

    return runner


WriteCommand = Depends(_runner_for(Writer))
#: A write another Redress service may also make with its `service` key: the notifications
#: service records the acknowledgement it delivered (so the regime's clock stops).
ServiceWriteCommand = Depends(_runner_for(Depends(require_roles(*WRITERS, Role.SERVICE))))
DecisionCommand = Depends(_runner_for(Decider))

__all__ = ["App", "CommandRunner", "Idempotent", "IdempotentRequest", "Principal", "Reader"]

READ_PROBLEMS = problem_responses(400, 401, 403, 404, 422)
WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 412, 413, 422)
