"""/v1/complaints/{id}/escalations: move a complaint up the internal ladder."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.complaints.api.deps import WRITE_PROBLEMS, CommandRunner, WriteCommand
from services.complaints.api.schemas import ComplaintView, Escalate
from services.complaints.use_cases import commands, handling

router = APIRouter(prefix="/v1/complaints/{complaint_id}", tags=["escalations"])


@router.post(
    "/escalations",
    status_code=201,
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Escalate to the next tier (or a named higher tier)",
    operation_id="escalateComplaint",
)
def escalate(complaint_id: str, body: Escalate, run: CommandRunner = WriteCommand) -> Response:
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: handling.escalate(
            run.application,
            commands.Escalate(complaint_id=target, reason=body.reason, to_tier=body.to_tier),
            caller,
        ),
        status_code=201,
    )
