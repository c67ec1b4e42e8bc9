"""/v1/complaints/{id}/interactions: every message, call, note and document."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from services.complaints.api.deps import WRITE_PROBLEMS, CommandRunner, WriteCommand
from services.complaints.api.schemas import ComplaintView, RecordInteraction

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
    return run(
        complaint_id,
        body.occurred_at,
        lambda complaint, context: complaint.record_interaction(
            context,
            interaction_id=run.new_entity_id(complaint, context),
            kind=body.kind.value,
            direction=body.direction.value,
            summary=body.summary,
            body=body.body,
            document=body.document.model_dump() if body.document else None,
            language=body.language,
        ),
        status_code=201,
    )
