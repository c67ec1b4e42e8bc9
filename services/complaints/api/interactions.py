"""/v1/complaints/{id}/interactions: every message, call, note and document."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.complaints.api.deps import WRITE_PROBLEMS, CommandRunner, WriteCommand
from services.complaints.api.schemas import ComplaintView, RecordInteraction
from services.complaints.use_cases import commands, handling

router = APIRouter(prefix="/v1/complaints/{complaint_id}", tags=["interactions"])


@router.post(
    "/interactions",
    status_code=201,
    response_model=ComplaintView,
    responses=WRITE_PROBLEMS,
    summary="Record an interaction (message, call, note or document)",
)
def record_interaction(
    complaint_id: str, body: RecordInteraction, run: CommandRunner = WriteCommand
) -> Response:
    document = body.document.model_dump() if body.document else None
    return run(
        complaint_id,
        body.occurred_at,
        lambda target, caller: handling.record_interaction(
            run.application,
            commands.RecordInteraction(
                complaint_id=target,
                kind=body.kind.value,
                direction=body.direction.value,
                summary=body.summary,
                body=body.body,
                document=document,
                language=body.language,
            ),
            caller,
        ),
        status_code=201,
    )
